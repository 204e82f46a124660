"""The pure billing core: no database, HTTP, XML, clock or file I/O lives here."""
