"""Authoring: the edits a user makes by hand, made for them — add, change, remove and rename
resources, triggers, functions and operations — as minimal edits of tether.yaml and insertions
into handler code. One engine, used by the CLI (`tether add`, `remove`, `set`, `rename`, `undo`)
and the IDE (palette, drag and drop, dialogs)."""
