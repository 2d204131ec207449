"""Tools over the core: the command line, the demo, quotes and what-if pricing analysis."""
