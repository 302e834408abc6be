"""lenet-course: the library behind the LeNet-on-MNIST lessons, in tiers that import only downwards.

- **Core** (flat, one concern each): ``models`` (the three LeNets), ``data`` (MNIST), ``schedules``
  (Caffe's learning-rate policies), ``config`` (``SolverConfig``), ``prototxt`` (Caffe's text
  format), ``optim`` (Caffe's solvers), ``solver`` (the training loop), ``events`` (what it
  reports), ``evaluate``, ``checkpoints`` (safe ``tut2-model.pt`` files), ``features`` (what a
  model computes inside), ``preprocess`` (a drawn digit made MNIST-like), ``hooks`` (eval mode and
  captured layer outputs), ``paths`` (where the course reads and writes), ``runtime`` (device
  choice, seeds, the CPU speed settings), ``distributed`` (data-parallel runs), ``lesson_folder``
  (copying the lessons out of the package) and ``cli``.
- :mod:`lenet_course.viz`: the arrays behind figures (``viz.plotdata``) and generic drawing
  (``viz.plots``, ``viz.axes``); it imports the core only.
- :mod:`lenet_course.lessons`: what a single lesson computes or draws (``course``, ``budget``,
  ``history``, ``backprop``, ``convolution``, ``initialization``, ``caffe_net``, ``figures``);
  it imports the core and viz.
- :mod:`lenet_course.exercises`: the checker core and one module per lesson; it imports the core
  and lessons.
- ``widgets``: the interactive panels, on top of everything else.

Import what you need from them; this package imports nothing heavy on its own.
"""

__version__ = "0.1.0"
