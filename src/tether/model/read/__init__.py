"""The readers of tether.yaml, one module per part of the file; `tether.model.loader` runs them.

cursor        Node, the cursor over one mapping of the file, and Problems, the list it
              reports into
files         the project's files on disk or unsaved in the editor: tether.yaml,
              requirements.txt, handler code
resources     `resources:`
functions     `functions:`, with each function's handler and environment
triggers      `triggers:` of a function
operations    `operations:` of a function
cross_checks  checks across resources and functions
"""
