"""The tenant's outbound messages and contact policies in the portal. Members read and write
drafts; owners and admins approve, cancel, retry and change policies. Opting a contact back in
has its own confirmation page. Rows are reached only through `for_tenant`."""

from django.contrib import messages as flash
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from apps.core.errors import ServiceError
from apps.core.portal_forms import form_status, perform, submit
from apps.outbound import services
from apps.outbound.forms import (
    MessageFilterForm,
    NewMessageForm,
    OptInForm,
    OptOutForm,
    PolicyFilterForm,
    PolicySettingsForm,
)
from apps.outbound.models import ContactChannelPolicy, OutboundMessage, Source, Via
from apps.outbound.services.policies import blocked_count
from apps.tenants import policy as tenant_policy
from apps.tenants.portal import role_required

PAGE_SIZE = 50
ACTIONS = {
    "approve": ("approve_message", "approved"),
    "cancel": ("cancel", "canceled"),
    "retry": ("retry", "sent to retry"),
}


def tenant_message(request, message_id):
    return get_object_or_404(
        OutboundMessage.objects.for_tenant(request.tenant).select_related("connection"), pk=message_id
    )


def tenant_policy_row(request, policy_id):
    return get_object_or_404(ContactChannelPolicy.objects.for_tenant(request.tenant), pk=policy_id)


def limit_notice(tenant):
    decision = tenant_policy.can_send_message(tenant)
    return (
        ""
        if decision or decision.code != tenant_policy.MESSAGE_LIMIT_EXCEEDED
        else "Limit reached: your plan's monthly message limit is used up, so no messages are sent until next month."
    )


@require_http_methods(["GET"])
@role_required("outbound.view")
def message_list(request):
    form = MessageFilterForm(request.GET or None)
    rows = OutboundMessage.objects.for_tenant(request.tenant).order_by("-created_at", "-id")
    if form.is_valid():
        data = form.cleaned_data
        rows = rows.filter(
            **{
                k: v
                for k, v in (
                    ("status", data["status"]),
                    ("channel", data["channel"]),
                    ("contact_id__in", data["contact"]),
                )
                if v
            }
        )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "outbound/messages.html",
        {"form": form, "page": page, "limit_notice": limit_notice(request.tenant), "query": request.GET.urlencode()},
    )


@require_http_methods(["GET", "POST"])
@role_required("outbound.draft")
def message_new(request):
    form = NewMessageForm(request.POST or None)
    done, message = submit(
        request,
        form,
        lambda data: services.create_message(request.tenant, created_by=request.user, source=Source.PORTAL, **data),
    )
    if done:
        flash.success(request, f"Draft #{message.pk} saved. An owner or admin approves it to send it.")
        return redirect("outbound:message", message.pk)
    return render(
        request,
        "outbound/new.html",
        {"form": form, "limit_notice": limit_notice(request.tenant)},
        status=form_status(form),
    )


@require_http_methods(["GET"])
@role_required("outbound.view")
def message_detail(request, message_id):
    message = tenant_message(request, message_id)
    policy = (
        ContactChannelPolicy.objects.for_tenant(request.tenant)
        .filter(channel=message.channel, contact_id=message.contact_id)
        .first()
    )
    return render(
        request,
        "outbound/message.html",
        {
            "message": message,
            "attempts": message.attempt_log.order_by("number", "id"),
            "policy": policy,
            "limit_notice": limit_notice(request.tenant),
        },
    )


@require_POST
@role_required("outbound.send")
def message_action(request, message_id, action):
    message = tenant_message(request, message_id)
    name, done = ACTIONS[action]
    perform(
        request,
        lambda: getattr(services, name)(message, actor=request.user, request=request),
        lambda: f"Message #{message.pk} {done}: now {refreshed(message).get_status_display().lower()}.",
    )
    return redirect("outbound:message", message.pk)


def refreshed(row):
    row.refresh_from_db()
    return row


@require_http_methods(["GET"])
@role_required("outbound.view")
def policy_list(request):
    form = PolicyFilterForm(request.GET or None)
    rows = ContactChannelPolicy.objects.for_tenant(request.tenant).order_by("-updated_at", "-id")
    if form.is_valid():
        if form.cleaned_data["opted_out"]:
            rows = rows.filter(opted_out=form.cleaned_data["opted_out"] == "yes")
        if form.cleaned_data["contact"].strip():
            rows = rows.filter(contact_id__icontains=form.cleaned_data["contact"].strip())
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "outbound/policies.html", {"form": form, "page": page, "query": request.GET.urlencode()})


@require_http_methods(["GET"])
@role_required("outbound.view")
def policy_detail(request, policy_id):
    return policy_page(request, tenant_policy_row(request, policy_id))


def policy_page(request, policy, settings_form=None, opt_out_form=None, status=200):
    initial = {
        "stop_on_reply": policy.stop_on_reply,
        "frequency_cap": policy.frequency_cap,
        "frequency_window_h": policy.frequency_window_s // 3600 if policy.frequency_window_s else None,
    }
    recent = (
        OutboundMessage.objects.for_tenant(request.tenant)
        .filter(channel=policy.channel, contact_id=policy.contact_id)
        .order_by("-created_at", "-id")[:20]
    )
    return render(
        request,
        "outbound/policy.html",
        {
            "policy": policy,
            "recent": recent,
            "settings_form": settings_form or PolicySettingsForm(initial=initial),
            "opt_out_form": opt_out_form or OptOutForm(),
            "blocked": blocked_count(policy),
        },
        status=status,
    )


@require_POST
@role_required("contacts.manage")
def policy_settings(request, policy_id):
    policy = tenant_policy_row(request, policy_id)
    form = PolicySettingsForm(request.POST)
    if not form.is_valid():
        return policy_page(request, policy, settings_form=form, status=400)
    data = form.cleaned_data
    window = data["frequency_window_h"] * 3600 if data["frequency_window_h"] else None
    try:
        services.update_policy(
            policy,
            stop_on_reply=data["stop_on_reply"],
            frequency_cap=data["frequency_cap"],
            frequency_window_s=window,
            actor=request.user,
            request=request,
        )
    except ServiceError as exc:
        form.add_error(None, exc.message)
        return policy_page(request, policy, settings_form=form, status=400)
    flash.success(request, "Contact policy saved.")
    return redirect("outbound:policy", policy.pk)


@require_POST
@role_required("contacts.manage")
def policy_opt_out(request, policy_id):
    policy = tenant_policy_row(request, policy_id)
    form = OptOutForm(request.POST)
    if not form.is_valid():
        return policy_page(request, policy, opt_out_form=form, status=400)
    services.opt_out(policy, via=Via.PORTAL, actor=request.user, note=form.cleaned_data["note"], request=request)
    flash.success(request, f"{policy.contact_id} is opted out: nothing more is sent to them on this channel.")
    return redirect("outbound:policy", policy.pk)


@require_http_methods(["GET", "POST"])
@role_required("contacts.manage")
def policy_opt_in(request, policy_id):
    """A page of its own: the person confirms the contact asked, and says how."""
    policy = tenant_policy_row(request, policy_id)
    form = OptInForm(request.POST if request.method == "POST" else None)
    done, requeued = submit(
        request,
        form,
        lambda data: services.opt_in(
            policy,
            via=Via.PORTAL,
            confirmed=data["contact_asked"],
            actor=request.user,
            note=data["reason"],
            requeue_blocked=data["requeue_blocked"],
            request=request,
        ),
    )
    if done:
        flash.success(request, f"{policy.contact_id} is opted back in; {requeued} blocked message(s) requeued.")
        return redirect("outbound:policy", policy.pk)
    return render(
        request,
        "outbound/opt_in.html",
        {"policy": policy, "form": form, "blocked": blocked_count(policy)},
        status=form_status(form),
    )
