"""The results framework: strategy → lines of action → objectives, and what surrounds them."""

from stratmon.framework.loader import FrameworkError, load_framework
from stratmon.framework.model import Framework

__all__ = ["Framework", "FrameworkError", "load_framework"]
