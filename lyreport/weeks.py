"""Report weeks: each week is named by its deadline (Thursday 12:00 Asia/Shanghai by default)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from .config import Config


def deadline_for(day: date, config: Config) -> datetime:
    """The deadline of the week that `day` belongs to: the first deadline weekday on or after it."""
    offset = (config.deadline_weekday - day.isoweekday()) % 7
    deadline_day = day + timedelta(days=offset)
    return datetime.combine(deadline_day, config.deadline_time, tzinfo=config.timezone)


def deadline_on(deadline_day: date, config: Config) -> datetime:
    """The deadline datetime on a given deadline day."""
    return datetime.combine(deadline_day, config.deadline_time, tzinfo=config.timezone)


def current_deadline(now: datetime, config: Config) -> datetime:
    """The week a Thursday-afternoon run reports on: the latest deadline on this week's deadline day.

    Run on Thursday afternoon (after 12:00) or any day up to the next Wednesday,
    it reports on the deadline that has just passed; run before Thursday 12:00 it
    reports on the coming one. Either way it's the week whose deadline day is nearest ahead or just past.
    """
    local = now.astimezone(config.timezone)
    this_week = deadline_for(local.date(), config)
    previous = this_week - timedelta(days=7)
    # Before the deadline weekday of this calendar week we still report on the coming deadline,
    # except on the days right after a deadline (Fri–Sun), which belong to the deadline just passed.
    if (local - previous) < timedelta(days=3):
        return previous
    return this_week


def week_of_received(received_at: datetime, config: Config) -> datetime:
    """The deadline a return received at this moment answers when nothing else says so."""
    local = received_at.astimezone(config.timezone)
    candidate = deadline_for(local.date(), config)
    if local > candidate:
        candidate += timedelta(days=7)
    return candidate


def cn_date(day: date) -> str:
    """2021年1月7日"""
    return f"{day.year}年{day.month}月{day.day}日"


def cn_datetime(moment: datetime, config: Config) -> str:
    """2021年1月7日 14:05 (local time)"""
    local = moment.astimezone(config.timezone)
    return f"{cn_date(local.date())} {local:%H:%M}"
