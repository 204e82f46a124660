"""Background work: a job queue in the database (``queue``), worker threads (``worker``), the
kinds of work billforge runs (``registry``), and their place in ``serve`` (``runtime``)."""
