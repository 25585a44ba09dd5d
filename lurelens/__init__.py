"""The ``lurelens`` command: the one face that sits above both the library and the service.

``scanner`` (the library) never imports ``web`` (the Flask service); this thin package is the only
place that knows both, so ``lurelens serve`` and ``lurelens check`` share one parser and one set of
exit codes (:class:`scanner.errors.ExitStatus`).
"""
