from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from deliverology.web.performance.models import LocalUnit
from deliverology.web.strategy.models import Intervention, StopListItem, rating_choices


class InterventionForm(forms.ModelForm[Intervention]):
    impact = forms.ChoiceField(label=_("impact"), choices=rating_choices)
    difficulty = forms.ChoiceField(label=_("difficulty"), choices=rating_choices)

    class Meta:
        model = Intervention
        fields: tuple[str, ...] = (
            "priority",
            "title",
            "description",
            "owner",
            "theory_of_action",
            "impact",
            "difficulty",
            "effect_low",
            "effect",
            "effect_high",
            "reach_units",
            "reach_share",
            "rollout_start",
            "rollout_full",
            "lag_periods",
            "ramp",
            "ramp_periods",
            "cost",
            "dependencies",
            "status",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        priority = self.initial.get("priority") or getattr(self.instance, "priority_id", None)
        if "dependencies" in self.fields and priority is not None:
            field = self.fields["dependencies"]
            others = Intervention.objects.filter(priority=priority)
            if self.instance.pk:
                others = others.exclude(pk=self.instance.pk)
            field.queryset = others  # type: ignore[attr-defined]
        if "reach_units" in self.fields:
            # Rollouts are planned by region or district; listing every school would not scale.
            reach = self.fields["reach_units"]
            reach.queryset = LocalUnit.objects.filter(children__isnull=False).distinct()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        low, central, high = (cleaned.get(k) for k in ("effect_low", "effect", "effect_high"))
        if None not in (low, central, high) and not low <= central <= high:  # type: ignore[operator]
            self.add_error("effect", _("The estimates must go low ≤ central ≤ high."))
        dependencies = cleaned.get("dependencies")
        if dependencies and self.instance.pk and _leads_back(dependencies, self.instance.pk):
            self.add_error(
                "dependencies", _("This would make a circle: one of these depends on this one.")
            )
        return cleaned


def _leads_back(dependencies: Any, pk: int) -> bool:
    """Whether following the dependencies from `dependencies` reaches intervention `pk`."""
    edges: dict[int, set[int]] = {}
    through = Intervention.dependencies.through.objects.values_list(
        "from_intervention_id", "to_intervention_id"
    )
    for source, dependency in through:
        edges.setdefault(source, set()).add(dependency)
    seen: set[int] = set()
    todo = [each.pk for each in dependencies]
    while todo:
        current = todo.pop()
        if current == pk:
            return True
        if current not in seen:
            seen.add(current)
            todo.extend(edges.get(current, ()))
    return False


class PriorityInterventionForm(InterventionForm):
    """The same form on the priority's page, where the priority is already chosen."""

    class Meta(InterventionForm.Meta):
        fields = tuple(f for f in InterventionForm.Meta.fields if f != "priority")


class StopListItemForm(forms.ModelForm[StopListItem]):
    class Meta:
        model = StopListItem
        fields = ("activity", "reason", "status")


class CourseForm(forms.Form):
    """The choices behind the three ways: A's benchmark, B's overlap, C's shape."""

    benchmark = forms.ChoiceField(label=_("A: benchmark rate"), required=False)
    overlap = forms.ChoiceField(
        label=_("B: overlap of interventions"),
        required=False,
        choices=[
            ("", _("Default for the metric")),
            ("multiplicative", _("Multiplicative: no double counting")),
            ("additive", _("Additive")),
        ],
    )
    shape = forms.ChoiceField(label=_("C: shape"), initial="linear")
    dip_depth = forms.FloatField(
        label=_("depth of the dip"), initial=1.0, min_value=0, required=False
    )
    dip_periods = forms.IntegerField(
        label=_("periods to the bottom of the dip"), initial=1, min_value=1, required=False
    )

    def __init__(self, *args: Any, benchmarks: Any = (), shapes: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["benchmark"].choices = [("", _("None")), *benchmarks]  # type: ignore[attr-defined]
        self.fields["shape"].choices = list(shapes)  # type: ignore[attr-defined]


class ChangeForm(forms.Form):
    """The reason for a change: a change to a locked target is proposed with it, for another
    person to approve in their own session."""

    reason = forms.CharField(
        label=_("reason for the change"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AdoptForm(CourseForm, ChangeForm):
    way = forms.ChoiceField(
        label=_("adopt"),
        choices=[
            ("benchmark", _("A: the benchmark rate")),
            ("bottom_up", _("B: bottom-up from the interventions")),
            ("shaped", _("C: the shaped curve")),
        ],
    )


class ReviseForm(ChangeForm):
    baseline_period = forms.CharField(label=_("baseline period"), max_length=16)
    baseline_value = forms.FloatField(label=_("baseline value"))
    target_period = forms.CharField(label=_("target period"), max_length=16)
    target_value = forms.FloatField(label=_("target value"))

    field_order = ("baseline_period", "baseline_value", "target_period", "target_value")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Its own ids: the adopt form on the same page has a reason field too.
        kwargs.setdefault("auto_id", "id_revise_%s")
        super().__init__(*args, **kwargs)
