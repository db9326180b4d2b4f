"""Report weeks: each week is named by its deadline (Thursday 12:00 Asia/Shanghai by default)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from .config import Config


def week_day_of(day: date, weekday: int) -> date:
    """The deadline day of the week that `day` belongs to: the first `weekday` (ISO, 4 = Thursday) on or after it."""
    return day + timedelta(days=(weekday - day.isoweekday()) % 7)


def deadline_for(day: date, config: Config) -> datetime:
    """The deadline of the week that `day` belongs to: the first deadline weekday on or after it."""
    deadline_day = week_day_of(day, config.deadline_weekday)
    return datetime.combine(deadline_day, config.deadline_time, tzinfo=config.timezone)


def deadline_on(deadline_day: date, config: Config) -> datetime:
    """The deadline datetime on a given deadline day."""
    return datetime.combine(deadline_day, config.deadline_time, tzinfo=config.timezone)


def current_deadline(now: datetime, config: Config) -> datetime:
    """The week a run reports on by default: the deadline just passed (within late_days), else the coming one.

    Thursday afternoon → that day's deadline; Friday → still yesterday's; Monday → the coming Thursday.
    """
    local = now.astimezone(config.timezone)
    coming = deadline_for(local.date(), config)
    if local > coming:
        coming += timedelta(days=7)
    previous = coming - timedelta(days=7)
    if local - previous <= timedelta(days=config.late_days):
        return previous
    return coming


def week_of_received(received_at: datetime, config: Config) -> datetime:
    """The deadline a return answers when only its arrival time is known.

    Arrivals up to `late_days` after a deadline answer that deadline (late), never the next one.
    """
    return next_deadline(received_at - timedelta(days=config.late_days), config)


def next_deadline(moment: datetime, config: Config) -> datetime:
    """The first deadline at or after a moment: the latest week a return received then can answer."""
    local = moment.astimezone(config.timezone)
    candidate = deadline_for(local.date(), config)
    if local > candidate:
        candidate += timedelta(days=7)
    return candidate


def cn_date(day: date) -> str:
    """2021年1月7日"""
    return f"{day.year}年{day.month}月{day.day}日"


def clock(local: datetime, config: Config) -> str:
    """14:05; with the seconds inside the deadline's minute, where 12:00:30 (late) must not read as 12:00."""
    text = f"{local:%H:%M}"
    due = config.deadline_time
    if (local.hour, local.minute) != (due.hour, due.minute) or not (local.second or local.microsecond):
        return text
    if local.second:
        return f"{text}:{local:%S}"
    return f"{text}:00.{max(1, local.microsecond // 100_000)}"  # a fraction past the deadline is still past it


def cn_datetime(moment: datetime, config: Config) -> str:
    """2021年1月7日 14:05 (local time)"""
    local = moment.astimezone(config.timezone)
    return f"{cn_date(local.date())} {clock(local, config)}"
