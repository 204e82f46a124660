"""The web page at ``/ui``: server-rendered pages (Jinja2) and a little JavaScript (``static/app.js``).

    /ui/login, /ui/logout           log in with a user made by ``billforge users create``
    /ui/tasks                       the Invoice API Generator tasks, with live progress
    /ui/tasks/new                   New Task: General (Name, Version, Target) and Advanced (Date
                                    Format, Choose File, Max Threads, Max zObjects) tabs, Create
    /ui/tasks/{id}                  one task: progress, results, cancel
    /ui/tasks/{id}/progress         the task as JSON (what the page polls)
    /ui/tasks/{id}/results          the results CSV
    /ui/template                    the CSV template (Download template)
    /ui/logins                      saved logins to rest:/soap: targets
    /ui/accounts, /ui/accounts/{id} accounts (search) and one account with its invoices
    /ui/invoices/{id}               one invoice with its items

Every page but the login form needs the session cookie (``web.session``); every form that changes
something carries the session's CSRF token. The user acts in their own entity. Pages answer with a
Content-Security-Policy that allows only this site's own script and style files.

One module per section, each with its own router under ``/ui``; ``router`` joins them:

    auth            /ui, log in, log out
    tasks           the tasks pages and the CSV template
    target_logins   the saved logins
    accounts        accounts and invoices
    pages           what they share: the session, rendering, redirects, forms, and the
                    dependencies that answer the login form, a refused form or a 404 page
"""

from __future__ import annotations

from fastapi import APIRouter

from billforge.web.routes import accounts, auth, target_logins, tasks

router = APIRouter()
for section in (auth, tasks, target_logins, accounts):
    router.include_router(section.router)
