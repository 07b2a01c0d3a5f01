/* Enhancements for pages that already work without JavaScript: Vega-Lite charts drawn from the
   spec each figure carries, and Leaflet maps of country shapes (no tile server). */
(function () {
  "use strict";

  function drawCharts() {
    if (!window.vegaEmbed) { return; }
    document.querySelectorAll("figure.chart").forEach(function (figure) {
      var source = figure.querySelector("script.vega-spec");
      var target = figure.querySelector(".vega");
      if (!source || !target) { return; }
      var spec = JSON.parse(source.textContent);
      window.vegaEmbed(target, spec, { actions: false, renderer: "svg" }).then(function (result) {
        var svg = target.querySelector("svg");
        if (svg) { oneImage(svg, figure.getAttribute("data-alt") || ""); }
        figure.classList.add("drawn");
      }).catch(function (error) { target.textContent = ""; console.error(error); });
    });
  }

  // A chart is one image, named by what it shows and its figures in the page's language (data-alt).
  // Vega names the roles of its parts in English ("bar", "rect mark container") and labels each mark:
  // inside one image neither is read, and a label without a role is not allowed; they are taken out,
  // again whenever Vega redraws (a wider window).
  var VEGA_ARIA = ["role", "aria-roledescription", "aria-label"];
  function oneImage(svg, label) {
    function plain() {
      svg.querySelectorAll("[role], [aria-roledescription], [aria-label]").forEach(function (part) {
        VEGA_ARIA.forEach(function (name) { part.removeAttribute(name); });
      });
    }
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", label);
    plain();
    new MutationObserver(plain).observe(svg, { subtree: true, childList: true, attributes: true,
                                               attributeFilter: VEGA_ARIA });
  }

  function drawMaps() {
    if (!window.L || !window.topojson) { return; }
    document.querySelectorAll("div.map[data-countries]").forEach(function (element) {
      var values = JSON.parse(element.getAttribute("data-countries"));
      var focus = element.getAttribute("data-focus");
      fetch("/static/vendor/countries-50m.json").then(function (response) { return response.json(); })
        .then(function (atlas) {
          var shapes = window.topojson.feature(atlas, atlas.objects.countries);
          var wanted = shapes.features.filter(function (f) { return values[f.id] !== undefined; });
          // The zoom buttons and the distance scale sit over the sea (top right, bottom left), clear of the
          // countries; the wheel scrolls the page, not the map.
          var map = window.L.map(element, { attributionControl: false, zoomSnap: 0.25, zoomControl: false,
                                            scrollWheelZoom: false });
          // The buttons' names in the page's language (Leaflet's own are English).
          window.L.control.zoom({ position: "topright", zoomInTitle: element.getAttribute("data-zoom-in"),
                                  zoomOutTitle: element.getAttribute("data-zoom-out") }).addTo(map);
          window.L.control.scale({ position: "bottomleft" }).addTo(map);
          var most = Math.max.apply(null, Object.keys(values).map(function (k) { return values[k].value || 0; }).concat([1]));
          var layer = window.L.geoJSON({ type: "FeatureCollection", features: wanted }, {
            style: function (feature) {
              var share = (values[feature.id].value || 0) / most;
              var focused = !focus || values[feature.id].code === focus;
              return { color: "#0b3d66", weight: focused ? 2 : 1, fillColor: focused ? "#0b3d66" : "#9aa5b1",
                       fillOpacity: focus ? (focused ? 0.7 : 0.25) : 0.2 + 0.7 * share };
            },
            onEachFeature: function (feature, shape) {
              var entry = values[feature.id];
              // The label as text, never as markup.
              var label = document.createElement("span");
              label.textContent = entry.label;
              shape.bindTooltip(label);
              if (entry.href) { shape.on("click", function () { window.location.href = entry.href; }); }
            }
          }).addTo(map);
          // The whole region in the frame, whatever the screen's width; again when the width changes.
          function frame() { map.invalidateSize(); map.fitBounds(layer.getBounds(), { padding: [12, 12] }); }
          frame();
          var width = element.clientWidth;
          window.addEventListener("resize", function () {
            if (element.clientWidth !== width) { width = element.clientWidth; frame(); }
          });
          element.classList.add("drawn");
        });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    drawCharts();
    drawMaps();
  });
})();
