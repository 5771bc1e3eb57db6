"""The `tether` command line: thin commands over the services the IDE calls too."""
