"""lenet-course: the library behind the LeNet-on-MNIST lessons.

Modules, one concern each: ``models`` (the three LeNets), ``data`` (MNIST), ``schedules`` (Caffe's
learning-rate policies), ``config`` (``SolverConfig``), ``optim`` (``CaffeSGD``), ``solver`` (the
training loop), ``evaluate``, ``checkpoints`` (safe ``tut2-model.pt`` files) and ``cli``; the visual
layer ``features``, ``preprocess``, ``plotdata``, ``plots`` and ``widgets``; and what single lessons
need: ``budget``, ``course``, ``history``, ``backprop``, ``convolution``, ``initialization``,
``caffe_net``, ``lesson_plots``, ``exercises``.
Import what you need from them; this package imports nothing heavy on its own.
"""

__version__ = "0.1.0"
