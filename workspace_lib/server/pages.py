"""The server's own HTML pages, in French (no external resource: no CDN, no inline script)."""

from __future__ import annotations

import html

_LAYOUT = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{title} — Espace RSU</title>
<style>
body{{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1a1a1a;background:#f5f6f8}}
main{{max-width:44rem;margin:3rem auto;background:#fff;padding:2rem;border-radius:6px;box-shadow:0 1px 3px #0002}}
h1{{font-size:1.4rem;margin-top:0}} label{{display:block;margin:.8rem 0 .2rem;font-weight:600}}
input[type=text],input[type=password]{{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem}}
button{{margin-top:1.2rem;padding:.6rem 1.2rem;font-size:1rem;background:#1f4e79;color:#fff;border:0;border-radius:4px}}
.erreur{{background:#fde8e8;border-left:4px solid #b00020;padding:.6rem}} .info{{background:#e8f1fb;padding:.6rem}}
.aide{{color:#555;font-size:.9rem}} ul{{padding-left:1.2rem}} li{{margin:.3rem 0}} nav{{margin-top:1.5rem}}
</style></head><body><main>
<h1>{title}</h1>
{body}
</main></body></html>
"""


def page(title: str, body: str) -> str:
    return _LAYOUT.format(title=html.escape(title), body=body)


def _message(error: str | None, info: str | None = None) -> str:
    out = ""
    if error:
        out += f'<p class="erreur" role="alert">{html.escape(error)}</p>'
    if info:
        out += f'<p class="info">{html.escape(info)}</p>'
    return out


def login_page(xsrf_html: str, next_url: str, *, error: str | None = None, info: str | None = None,
               username: str = "") -> str:
    body = (
        _message(error, info)
        + '<form method="post" action="login" autocomplete="on">'
        + xsrf_html
        + f'<input type="hidden" name="next" value="{html.escape(next_url)}">'
        + '<label for="username">Identifiant</label>'
        + f'<input type="text" id="username" name="username" value="{html.escape(username)}" '
          'autocomplete="username" required autofocus>'
        + '<label for="password">Mot de passe</label>'
        + '<input type="password" id="password" name="password" autocomplete="current-password" required>'
        + '<label for="code">Code à usage unique</label>'
        + '<input type="text" id="code" name="code" inputmode="numeric" autocomplete="one-time-code" '
          'pattern="[0-9 ]*" maxlength="8">'
        + '<p class="aide">Seulement si la double authentification est activée pour votre compte.</p>'
        + '<button type="submit">Se connecter</button></form>'
        + '<p class="aide">Mot de passe oublié ou compte bloqué : adressez-vous à l\'administrateur '
          "de l'espace.</p>"
    )
    return page("Connexion à l'espace RSU", body)


def password_page(xsrf_html: str, next_url: str, *, error: str | None = None, info: str | None = None) -> str:
    body = (
        _message(error, info)
        + '<form method="post" action="mot-de-passe">'
        + xsrf_html
        + f'<input type="hidden" name="next" value="{html.escape(next_url)}">'
        + '<label for="current">Mot de passe actuel</label>'
        + '<input type="password" id="current" name="current" autocomplete="current-password" required>'
        + '<label for="new">Nouveau mot de passe</label>'
        + '<input type="password" id="new" name="new" autocomplete="new-password" minlength="12" '
          'maxlength="128" required>'
        + '<label for="confirm">Nouveau mot de passe (confirmation)</label>'
        + '<input type="password" id="confirm" name="confirm" autocomplete="new-password" required>'
        + '<p class="aide">Au moins 12 caractères, sans autre contrainte : une phrase de plusieurs mots '
          "est à la fois sûre et facile à retenir. Les mots de passe trop courants sont refusés.</p>"
        + '<button type="submit">Changer le mot de passe</button></form>'
    )
    return page("Changer de mot de passe", body)


def message_page(title: str, text: str, *, links: list[tuple[str, str]] | None = None) -> str:
    nav = ""
    if links:
        nav = "<nav>" + " · ".join(f'<a href="{html.escape(h)}">{html.escape(t)}</a>' for h, t in links) + "</nav>"
    return page(title, f"<p>{html.escape(text)}</p>{nav}")


def home_page(user_label: str, dashboards: list[tuple[str, str]], links: list[tuple[str, str]]) -> str:
    if dashboards:
        items = "".join(f'<li><a href="{html.escape(h)}">{html.escape(t)}</a></li>' for h, t in dashboards)
        board = f"<h2>Tableaux de bord</h2><ul>{items}</ul>"
    else:
        board = "<p>Aucun tableau de bord publié pour le moment.</p>"
    nav = "".join(f'<li><a href="{html.escape(h)}">{html.escape(t)}</a></li>' for h, t in links)
    return page("Espace RSU", f'<p class="aide">{html.escape(user_label)}</p>{board}<h2>Accès</h2><ul>{nav}</ul>')
