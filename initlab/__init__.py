"""initlab: the numerics, figures, widgets and checks of the course on initialisation."""

__version__ = "0.1.0"

from . import display as _display

_display.register()
