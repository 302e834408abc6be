"""Sphinx configuration of the course website (``make site``; staged by ``site/build.py``).

Sphinx + myst-nb render the lessons from their stored outputs: nothing is executed. Widgets
have no kernel on a static page, so ``build.py`` has already swapped each one for its stored
PNG and a note; no widget JavaScript is loaded (``nb_ipywidgets_js = {}``), so every page works
offline, from a plain file server.
"""

project = "lenet-course"
author = "the lenet-course authors"
copyright = "the lenet-course authors, MIT licence"

extensions = ["myst_nb"]
root_doc = "index"
exclude_patterns = ["_build", "**.ipynb_checkpoints"]

# myst-nb: show what is stored, never run a notebook; no widget JavaScript from a CDN.
nb_execution_mode = "off"
nb_ipywidgets_js: dict = {}
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3

html_theme = "sphinx_book_theme"
html_title = "LeNet on MNIST: an interactive course"
html_static_path = ["_static"]
html_css_files = ["course.css"]
html_last_updated_fmt = None
html_show_sourcelink = False
html_copy_source = False
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": False,
    "use_fullscreen_button": False,
}
# The site must work offline: MathJax is the only script served from outside, and only on pages with maths.
