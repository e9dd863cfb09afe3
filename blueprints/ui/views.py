"""The UI's pages: each parses the request, calls one service and renders a template."""
from __future__ import annotations

import datetime

from flask import Response, current_app, flash, g, redirect, render_template, request, url_for

from schemas.ui import form_from_card, load_card_form
from services.contacts import get_card
from services.errors import Invalid, Locked, NotFound
from services.ui import editing
from services.ui.card_view import card_view
from services.ui.search import PAGE_SIZE, search_cards
from services.ui.transfer import EXPORTS, export_chunks, export_filename, import_upload

from ..auth import requires_scope
from . import bp, public, safe_next, upload
from .doors import door_answers, osid_reference
from .session import sign_in as start_session
from .session import sign_out as end_session


def _render(template: str, status: int = 200, **context):
    return render_template(f"ui/{template}", user=g.get("ui_user"), **context), status


def _form(status: int = 200, **context):
    """The create/edit form page."""
    return _render("card_form.html", status, email_types=editing.EMAIL_TYPES,
                   phone_types=editing.PHONE_TYPE_CHOICES, **context)


def _name(card: dict) -> str:
    """A card's name for a message (short: flashed messages travel in the session cookie)."""
    name = card.get("display_name") or card.get("id") or "the card"
    return name if len(name) <= 80 else name[:79] + "…"


def _see_other(endpoint: str, **values):
    return redirect(url_for(endpoint, **values), 303)


# ---------------------------------------------------------------- signing in and out

@bp.route("/sign-in", methods=["GET", "POST"])
@public
def sign_in():
    """Sign in with an API token."""
    target = safe_next(request.values.get("next"))
    if not current_app.config["CONTACTS_AUTH"] or (g.ui_user is not None and request.method != "POST"):
        return redirect(target, 303)
    if request.method != "POST":  # GET, and HEAD (the same page without its body): never the form's action
        return _render("sign_in.html", next=target)
    token = request.form.get("token", "")
    if not token.strip():
        return _render("sign_in.html", 400, next=target, error="Enter your API token.")
    if len(token) > 512 or not start_session(token):
        return _render("sign_in.html", 401, next=target,
                       error="That token is not valid: it is mistyped, or it was revoked.")
    return redirect(target, 303)


@bp.post("/sign-out")
@public
def sign_out():
    """End the session."""
    end_session()
    flash("You are signed out.", "info")
    return _see_other("ui.sign_in")


# ---------------------------------------------------------------- search

@bp.get("/")
def search():
    """The search box and one page of cards."""
    query = request.args.get("q", "")
    cursor = request.args.get("cursor") or None
    try:
        page = search_cards(query, cursor)
    except Invalid as exc:
        flash(exc.message, "error")
        return _see_other("ui.search", q=query)
    return _render("search.html", q=query, page=page, page_size=PAGE_SIZE, first_page=cursor is None)


# ---------------------------------------------------------------- one card

@bp.get("/cards/<contact_id>")
def card(contact_id: str):
    """A card, its groups, relations and OSID links, and what every door answers for it."""
    view = card_view(contact_id)
    answers = door_answers(view.card["id"], g.ui_user.digest)
    osid = next((a for a in answers if a.door.name == "OSID"), None)
    osid_links = osid.data if osid is not None and osid.ok and isinstance(osid.data, list) else None
    return _render("card.html", view=view, card=view.card, answers=answers, osid_links=osid_links,
                   osid_reference=osid_reference(view.card["id"]))


@bp.route("/new", methods=["GET", "POST"])
@requires_scope("contacts:create")
def new_card():
    """Create a card."""
    if request.method != "POST":  # GET and HEAD show the form; only a POST (CSRF-checked) writes
        return _form(form={"emails": [], "phones": []}, errors={}, creating=True)
    values, errors = load_card_form(request.form)
    if errors:
        return _form(400, form=values, errors=errors, creating=True)
    created = editing.new_card(values)
    flash(f"Created {_name(created)}.", "success")
    return _see_other("ui.card", contact_id=created["id"])


@bp.route("/cards/<contact_id>/edit", methods=["GET", "POST"])
@requires_scope("contacts:update")
def edit_card(contact_id: str):
    """Edit a card (refused when the card changed since the form was opened, or is locked)."""
    current = get_card(contact_id)
    if request.method != "POST":  # GET and HEAD show the form; only a POST (CSRF-checked) writes
        return _form(form=form_from_card(current), errors={}, card=current, creating=False)
    values, errors = load_card_form(request.form)
    if errors:
        return _form(400, form=values, errors=errors, card=current, creating=False)
    try:
        saved, changed = editing.edit_card(contact_id, values)
    except editing.StaleEdit as stale:
        return _form(409, form=form_from_card(stale.current), errors={},
                       card=stale.current, creating=False, conflict=stale.message, mine=values)
    except Locked as locked:
        return _form(423, form=form_from_card(current), errors={}, card=current,
                       creating=False, conflict=locked.message)
    flash(f"Saved {_name(saved)}." if changed else "Nothing changed: nothing was saved.",
          "success" if changed else "info")
    return _see_other("ui.card", contact_id=contact_id)


@bp.route("/cards/<contact_id>/delete", methods=["GET", "POST"])
@requires_scope("contacts:delete")
def delete_card(contact_id: str):
    """Delete a card after a confirmation."""
    current = get_card(contact_id)
    if request.method != "POST":  # GET and HEAD show the form; only a POST (CSRF-checked) writes
        return _render("delete.html", card=current)
    try:
        version = int(request.form.get("version", ""))
    except ValueError:
        version = None
    try:
        deleted = editing.remove_card(contact_id, version)
    except editing.StaleEdit as stale:
        return _render("delete.html", 409, card=stale.current, conflict=stale.message)
    except Locked as locked:
        return _render("delete.html", 423, card=current, conflict=locked.message)
    flash(f"Deleted {_name(deleted)}.", "success")
    return _see_other("ui.search")


# ---------------------------------------------------------------- import and export

@bp.get("/transfer")
def transfer():
    """Import a file, export every card."""
    return _render("transfer.html", exports=EXPORTS, outcome=None)


@bp.post("/import")
@upload
def import_file():
    """Import an uploaded vCard, CSV, JSON Lines or LDIF file and show what happened."""
    upload_file = request.files.get("file")
    partial = request.headers.get("X-Requested-With") == "fetch"
    if upload_file is None or not upload_file.filename:
        error = "Choose a file to import."
        if partial:
            return _render("_import_result.html", 400, outcome=None, error=error)
        return _render("transfer.html", 400, exports=EXPORTS, outcome=None, error=error)
    outcome = import_upload(upload_file.stream, upload_file.filename, request.form.get("format", "auto"),
                            full_access=g.ui_user.allowed("*"), columns=request.form.get("columns", "").strip() or None)
    status = 400 if outcome.error else 200
    if partial:
        return _render("_import_result.html", status, outcome=outcome)
    return _render("transfer.html", status, exports=EXPORTS, outcome=outcome)


@bp.get("/export/<fmt>")
def export(fmt: str):
    """Every card as a download (streamed while it is written)."""
    if fmt not in EXPORTS:
        raise NotFound(f"There is no export format {fmt!r}")
    today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    response = Response(export_chunks(fmt), mimetype=None, content_type=EXPORTS[fmt][1])
    response.headers["Content-Disposition"] = f'attachment; filename="{export_filename(fmt, today)}"'
    return response


# ---------------------------------------------------------------- anything else under /ui

@bp.route("/<path:rest>", methods=["GET", "POST"])
def unknown(rest: str):
    """No such page."""
    raise NotFound("There is no such page in this UI.")


@bp.app_template_filter("when")
def _when(value) -> str:
    """A stored UTC time as 2026-12-03 14:05 UTC."""
    if not value:
        return ""
    return value.strftime("%Y-%m-%d %H:%M UTC")


@bp.app_context_processor
def _globals():
    return {"auth_on": current_app.config["CONTACTS_AUTH"]}
