from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User

from deliverology.web.accounts.models import Profile


class ProfileInline(admin.StackedInline[Profile, User]):
    model = Profile
    can_delete = False
    filter_horizontal = ("local_units",)


class PersonAdmin(UserAdmin[User]):
    inlines = [ProfileInline]
    list_display = ("username", "first_name", "last_name", "email", "role", "is_staff")

    @admin.display(description="role")
    def role(self, user: User) -> str:
        profile = getattr(user, "profile", None)
        return profile.get_role_display() if profile else "–"


admin.site.unregister(User)
admin.site.register(User, PersonAdmin)
admin.site.site_header = "Deliverology set-up"
admin.site.site_title = "Deliverology"
