"""User accounts with their site memberships."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from stakeholders import services
from stakeholders.admin.base import (
    CountsOnlyDeleteMixin,
    HistoryMixin,
    OwnSitesChoicesMixin,
    ScopedInlineFormSet,
    ScopedLookupsMixin,
    ServiceErrorsMixin,
    inline_rows,
)
from stakeholders.admin.registry import membership_form_for
from stakeholders.forms import RecordedPasswordChangeForm
from stakeholders.models import SiteMembership
from stakeholders.selectors import (
    assignable_group_list,
    manageable_user_list,
    site_list,
    user_list,
)

User = get_user_model()


class SiteMembershipInline(OwnSitesChoicesMixin, admin.TabularInline):
    model = SiteMembership
    formset = ScopedInlineFormSet
    fk_name = "user"
    fields = ["site", "function", "cleared"]
    autocomplete_fields = ["site", "function"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).filter(site__in=site_list(user=request.user))

    def get_formset(self, request, obj=None, **kwargs):
        kwargs["form"] = membership_form_for(request.user)
        return super().get_formset(request, obj, **kwargs)


admin.site.unregister(User)


@admin.register(User)
class VpsaUserAdmin(
    ServiceErrorsMixin, ScopedLookupsMixin, HistoryMixin, CountsOnlyDeleteMixin, UserAdmin
):
    """Users with their site memberships.

    An administrator who is not a superuser sees the members of their own sites and users
    not yet placed at any site, and edits (password, username, e-mail, active and staff
    flags, roles, memberships) only those `manageable_user_list` allows: never themselves,
    a superuser, someone who also works at another site, holds a clearance they lack or a
    right they lack. They cannot grant superuser status or single permissions, and hand
    out only roles that grant nothing they lack themselves."""

    inlines = [SiteMembershipInline]
    private_relations = ("site_memberships",)
    change_password_form = RecordedPasswordChangeForm

    def get_queryset(self, request):
        return user_list(user=request.user)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        if not allowed or obj is None or request.user.is_superuser:
            return allowed
        return manageable_user_list(user=request.user).filter(pk=obj.pk).exists()

    actions = ["deactivate"]

    def has_delete_permission(self, request, obj=None):
        """Nobody, superusers included: an account is deactivated, never deleted, so that
        every record keeps its author and its history the name of who changed it."""
        return False

    @admin.action(permissions=["change"], description=_("Deactivate the selected users"))
    def deactivate(self, request, queryset):
        """The selected users this administrator may manage, but themselves, made inactive
        (`services.users_deactivate`); their sessions end with it. The rest are counted in
        the message."""
        deactivated, left = services.users_deactivate(actor=request.user, users=queryset)
        self.message_user(
            request,
            ngettext("%(count)d user deactivated.", "%(count)d users deactivated.", deactivated)
            % {"count": deactivated},
            messages.SUCCESS,
        )
        if left:
            self.message_user(
                request,
                ngettext(
                    "%(count)d user left as they were: you may not change that account.",
                    "%(count)d users left as they were: you may not change those accounts.",
                    left,
                )
                % {"count": left},
                messages.WARNING,
            )

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += ["is_superuser", "user_permissions", "last_login", "date_joined"]
        return readonly

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            kwargs["queryset"] = assignable_group_list(user=request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_formset(self, request, form, formset, change):
        """Memberships go through the services, with their clearance rules."""
        if formset.model is not SiteMembership:
            return super().save_formset(request, form, formset, change)
        new, changed, deleted = inline_rows(formset)
        for membership in deleted:
            services.membership_delete(actor=request.user, membership=membership)
        for membership, fields in changed:
            services.membership_update(
                actor=request.user,
                membership=membership,
                data={name: getattr(membership, name) for name in fields},
            )
        formset.new_objects = [
            services.membership_create(
                actor=request.user,
                data={
                    "user": form.instance,
                    "site": membership.site,
                    "function": membership.function,
                    "cleared": membership.cleared,
                },
            )
            for membership in new
        ]
