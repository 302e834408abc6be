"""The visual layer: the arrays behind the figures, and the drawing of figures any lesson may use.

- :mod:`~lenet_course.viz.plotdata`: pure numpy arithmetic (smoothing, histograms, mosaics, tiles,
  ``to_numpy``), testable by value;
- :mod:`~lenet_course.viz.axes`: where a figure is drawn (the caller's ``ax``/``fig`` or a new one);
- :mod:`~lenet_course.viz.plots`: generic figures (schedules, training curves, digits, filters,
  feature maps, evaluation, embeddings).

It builds on the core (config, schedules, solver, evaluate) and nothing above it; figures that
belong to one lesson live in :mod:`lenet_course.lessons.figures`.
"""
