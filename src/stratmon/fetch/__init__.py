"""`stratmon fetch`: download the public data from its publishers into a local data folder.

What to fetch is data (`sources.yaml`, read by `catalog`); `download` moves one URL into one `.part` file,
resumably, refusing any answer that is not what was asked for (`content` says what that means per kind);
`manifest` remembers what is complete; `fetcher` puts these together for a list of sources.
"""
