from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from deliverology.web.plans.models import (
    Accountability,
    DeliveryPlan,
    Milestone,
    Risk,
    Stakeholder,
)
from deliverology.web.strategy.models import Intervention

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TEXT = forms.Textarea(attrs={"rows": 3})


class DeliveryPlanForm(forms.ModelForm[DeliveryPlan]):
    class Meta:
        model = DeliveryPlan
        fields = (
            "intervention",
            "owner",
            "delivery_unit_contact",
            "status",
            "starts_on",
            "ends_on",
            "strategy",
            "delivery_chain",
            "performance_management",
            "benchmarks",
            "resources_people",
            "budget",
            "resources_technology",
            "resource_gap",
            "gap_closure",
        )
        widgets = {
            "starts_on": DATE,
            "ends_on": DATE,
            **{
                name: TEXT
                for name in (
                    "strategy",
                    "delivery_chain",
                    "performance_management",
                    "benchmarks",
                    "resources_people",
                    "resources_technology",
                    "resource_gap",
                    "gap_closure",
                )
            },
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["intervention"]
        field.queryset = Intervention.objects.filter(  # type: ignore[attr-defined]
            priority_id=self.instance.priority_id
        )
        if self.instance.pk:
            del self.fields["intervention"]  # a plan stays the plan it was started as

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.instance.pk is None:
            intervention = cleaned.get("intervention")
            others = DeliveryPlan.objects.filter(
                priority_id=self.instance.priority_id, intervention=intervention
            )
            if others.exists():
                field = "intervention" if intervention else None
                self.add_error(field, _("This already has a delivery plan."))
        return cleaned


class OnePerPlan:
    """Refuses a second item of the plan with the same name (`unique_field`), where it was
    typed: the plan is not a field of the form, so the model's constraint would not say."""

    unique_field = ""
    instance: Any
    cleaned_data: dict[str, Any]

    def clean_unique(self) -> Any:
        value = self.cleaned_data.get(self.unique_field)
        model = type(self.instance)
        same = model.objects.filter(
            plan_id=self.instance.plan_id, **{f"{self.unique_field}__iexact": value}
        ).exclude(pk=self.instance.pk)
        if value and same.exists():
            raise forms.ValidationError(_("This plan already has “%(name)s”.") % {"name": value})
        return value


class MilestoneForm(OnePerPlan, forms.ModelForm[Milestone]):
    unique_field = "title"

    class Meta:
        model = Milestone
        fields = (
            "title",
            "owner",
            "starts_on",
            "due",
            "status",
            "completed_on",
            "evidence",
            "trajectory_period",
            "local_unit",
        )
        widgets = {"starts_on": DATE, "due": DATE, "completed_on": DATE, "evidence": TEXT}

    def clean_title(self) -> Any:
        return self.clean_unique()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Milestones are planned for regions and districts; listing every school would not scale.
        units = self.fields["local_unit"]
        units.queryset = units.queryset.filter(children__isnull=False).distinct()  # type: ignore[attr-defined]


class MilestoneStatusForm(forms.ModelForm[Milestone]):
    """What a milestone's owner reports: where it stands and the evidence."""

    class Meta:
        model = Milestone
        fields = ("status", "completed_on", "evidence")
        widgets = {"completed_on": DATE, "evidence": TEXT}


class AccountabilityForm(OnePerPlan, forms.ModelForm[Accountability]):
    unique_field = "activity"

    class Meta:
        model = Accountability
        fields = ("activity", "responsible", "accountable", "consulted", "informed")

    def clean_activity(self) -> Any:
        return self.clean_unique()


class StakeholderForm(forms.ModelForm[Stakeholder]):
    class Meta:
        model = Stakeholder
        fields = ("name", "interest", "influence", "engagement")
        widgets = {"engagement": TEXT}


class RiskForm(OnePerPlan, forms.ModelForm[Risk]):
    unique_field = "description"

    class Meta:
        model = Risk
        fields = ("description", "likelihood", "impact", "owner", "mitigation", "trigger", "status")
        widgets = {"mitigation": TEXT, "trigger": TEXT}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].required = True
        self.fields["owner"].error_messages["required"] = _("Every risk needs an owner.")

    def clean_description(self) -> Any:
        return self.clean_unique()


class ImportForm(forms.Form):
    workbook = forms.FileField(
        label=_("workbook (.xlsx)"),
        help_text=_("The plan's workbook, exported from this page and edited."),
    )
