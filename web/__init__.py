"""web: the public chat, the staff console, the HTTP API and the query log, served as one app."""

from web.querylog import QueryLog
from web.server import RunningServer, create_app, share_link, start_server

__all__ = ["QueryLog", "RunningServer", "create_app", "share_link", "start_server"]
