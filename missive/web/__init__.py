"""The workspace in the browser and its JSON API (Starlette); a front end of missive.app.

`missive.web.app.create_app` builds the application and `missive.web.server.serve` runs it.
The package itself imports nothing, so that the command line can render the report's
template (`missive.web.report_view`) without loading Starlette.
"""
