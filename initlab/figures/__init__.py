"""Figures of the course (matplotlib, Russian labels). ``style`` first: every figure module
takes its palette, fonts, dpi, figure factory, log axes and PNG encoding from there."""
