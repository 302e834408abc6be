"""What a single lesson computes or draws, built on the core and the visual layer.

- :mod:`~lenet_course.lessons.course`: the lesson map and lesson 00's environment check;
- :mod:`~lenet_course.lessons.budget`: the compute budget (``full`` for learners, ``ci`` for CI);
- :mod:`~lenet_course.lessons.history`: the timeline of lesson 01;
- :mod:`~lenet_course.lessons.backprop`: a small network's gradients by hand (lesson 01);
- :mod:`~lenet_course.lessons.convolution`: convolution and pooling by hand, weight sharing (01-03);
- :mod:`~lenet_course.lessons.initialization`: initialisation schemes and activation statistics (03);
- :mod:`~lenet_course.lessons.caffe_net`: Caffe's LeNet prototxt read and mapped onto ``CaffeLeNet`` (03-04);
- :mod:`~lenet_course.lessons.figures`: the figures of single lessons.
"""
