"""Interactive explorers (ipywidgets). No numerics here: an explorer reads its controls, calls
the package's numerics and figure functions, and shows a PNG. ``base.Explorer`` is the one
base every explorer uses."""
