"""Reports and charts built from plain data, shared by the web pages, PDFs, exports and the CLI.

`reports` may use `deliverology.core` but never Django or `deliverology.web`. Charts follow one
path (see `charts`): a pure function builds a Vega-Lite spec, and `charts.render_svg` turns it
into an accessible SVG with vl-convert, offline and without a browser.
"""
