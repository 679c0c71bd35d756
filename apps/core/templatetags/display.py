"""`{% load display %}`: `{{ value|readable }}` shows a check's or metric's value in words, and
`{{ count|number }}` a count without a trailing ".0"."""

from django import template

from apps.core import admin_display

register = template.Library()


@register.filter
def readable(value):
    return admin_display.readable(value)


@register.filter
def number(value):
    return admin_display.number(value)
