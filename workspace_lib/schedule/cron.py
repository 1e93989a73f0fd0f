"""Crontab expressions with their standard meaning, as APScheduler 3 triggers (Europe/Paris).

APScheduler 3's ``CronTrigger.from_crontab`` numbers the days of the week from 0 = Monday,
while crontab numbers them from 0 = Sunday (``"0 6 * * 1"`` is Monday in crontab, Tuesday in
``from_crontab``); and when both the day of the month and the day of the week are restricted,
crontab fires on either (``"0 6 1 * 1"``: the 1st *or* Mondays), APScheduler on both. The
triggers built here follow crontab: days of the week are translated to names (0 and 7 =
Sunday), and the two day fields are combined with an ``OrTrigger``.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger

PARIS = ZoneInfo("Europe/Paris")
_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # crontab numbering: 0 = Sunday
_APS_ORDER = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
JOURS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")  # date.weekday()
# Longest gap between two fire times of a crontab expression: 29 February comes back within 8 years.
_LOOKBACK_LIMIT = dt.timedelta(days=366 * 8 + 2)


class CronError(ValueError):
    """An expression that is not a 5-field crontab; the message is French."""


def _day_number(token: str, expr: str) -> int:
    token = token.strip().lower()
    if token[:3] in _DAY_NAMES and token.isalpha():
        return _DAY_NAMES.index(token[:3])
    if token.isdigit() and 0 <= int(token) <= 7:
        return int(token) % 7
    raise CronError(f"expression cron « {expr} » : jour de la semaine « {token} » invalide "
                    "(0 à 7, 0 et 7 = dimanche, ou sun, mon... sat)")


def _days_of_week(field: str, expr: str) -> set[int]:
    """The crontab days (0 = Sunday) of a day-of-week field: lists, ranges, steps, names."""
    days: set[int] = set()
    for part in field.split(","):
        step, stepped = 1, "/" in part
        if stepped:
            part, step_text = part.split("/", 1)
            if not step_text.isdigit() or int(step_text) < 1:
                raise CronError(f"expression cron « {expr} » : pas « /{step_text} » invalide")
            step = int(step_text)
        if part == "*":
            first, last = 0, 6
        elif "-" in part:
            low, high = part.split("-", 1)
            first = _day_number(low, expr)
            # "5-7" ends on Sunday written 7: keep it after Saturday.
            last = 7 if high.strip() == "7" else _day_number(high, expr)
            if last < first:
                raise CronError(f"expression cron « {expr} » : intervalle de jours « {part} » à l'envers")
        else:
            first = _day_number(part, expr)
            last = 6 if stepped else first
        days |= {d % 7 for d in range(first, last + 1, step)}
    return days


def trigger(expr: str, timezone: dt.tzinfo = PARIS) -> CronTrigger | OrTrigger:
    """The trigger of a 5-field crontab expression (minute hour day month day-of-week)."""
    fields = expr.split()
    if len(fields) != 5:
        raise CronError(f"expression cron « {expr} » : 5 champs attendus (minute heure jour mois jour-de-semaine)")
    minute, hour, day, month, dow = fields
    days = None if dow in ("*", "*/1") else _days_of_week(dow, expr)
    names = "*" if days is None or len(days) == 7 else ",".join(
        n for n in _APS_ORDER if _DAY_NAMES.index(n) in days)
    try:
        def cron(day_field: str, dow_field: str) -> CronTrigger:
            return CronTrigger(minute=minute, hour=hour, day=day_field, month=month, day_of_week=dow_field,
                               timezone=timezone)

        # crontab: both day fields restricted (neither starts with "*") means either day.
        if not day.startswith("*") and not dow.startswith("*"):
            return OrTrigger([cron(day, "*"), cron("*", names)])
        return cron(day, names)
    except ValueError as exc:
        raise CronError(f"expression cron « {expr} » invalide ({exc})") from None


def last_fire_time(trig, now: dt.datetime) -> dt.datetime | None:
    """The latest fire time at or before ``now`` (None if there was none in 8 years)."""
    lookback = dt.timedelta(minutes=1)
    while True:
        first = trig.get_next_fire_time(None, now - lookback)
        if first is not None and first <= now:
            break
        if lookback >= _LOOKBACK_LIMIT:
            return None
        lookback = min(lookback * 2, _LOOKBACK_LIMIT)
    fire = first
    while True:
        following = next_fire_time(trig, fire)
        if following is None or following > now:
            return fire
        fire = following


def next_fire_time(trig, after: dt.datetime) -> dt.datetime | None:
    """The first fire time strictly after ``after``."""
    return trig.get_next_fire_time(None, after + dt.timedelta(seconds=1))


MISSED_CAP = 1000


def fires_between(trig, after: dt.datetime, before: dt.datetime, cap: int = MISSED_CAP) -> int:
    """How many fire times lie strictly between ``after`` and ``before`` (at most ``cap``)."""
    count, fire = 0, next_fire_time(trig, after)
    while fire is not None and fire < before and count < cap:
        count += 1
        fire = next_fire_time(trig, fire)
    return count


def quand(moment: dt.datetime, seconds: bool = False) -> str:
    """``"lundi 06/01/2025 à 06:00"`` in Paris time."""
    local = moment.astimezone(PARIS)
    return f"{JOURS[local.weekday()]} {local:%d/%m/%Y} à {local:%H:%M{':%S' if seconds else ''}}"


def missed_text(n: int) -> str:
    """``"3 échéances manquées regroupées"`` (``"au moins 1000 ..."`` at the cap)."""
    count = f"au moins {n}" if n >= MISSED_CAP else str(n)
    return f"{count} échéance{'s' if n > 1 else ''} manquée{'s' if n > 1 else ''} regroupée{'s' if n > 1 else ''}"


_SIMPLE = re.compile(r"^\d+$")


def describe(expr: str) -> str:
    """A short French reading of common expressions (else the expression itself)."""
    fields = expr.split()
    if len(fields) != 5:
        return expr
    minute, hour, day, month, dow = fields
    if fields == ["*"] * 5:
        return "chaque minute"
    if not (_SIMPLE.match(minute) and _SIMPLE.match(hour)):
        return f"selon « {expr} »"
    at = f"à {int(hour):02d}:{int(minute):02d}"
    if day == month == "*" and dow == "*":
        return f"chaque jour {at}"
    if day == month == "*":
        try:
            days = _days_of_week(dow, expr)
        except CronError:
            return f"selon « {expr} »"
        if len(days) == 7:
            return f"chaque jour {at}"
        order = [1, 2, 3, 4, 5, 6, 0]
        names = [JOURS[(d - 1) % 7] for d in order if d in days]
        if len(names) == 1:
            return f"chaque {names[0]} {at}"
        return f"les {', '.join(names)} {at}"
    if month == "*" and dow == "*" and _SIMPLE.match(day):
        return f"le {int(day)} de chaque mois {at}"
    return f"selon « {expr} »"
