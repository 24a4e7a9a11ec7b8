from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from deliverology.web.chains.models import (
    Activity,
    ChainLink,
    DeliveryChain,
    Driver,
    activity_kind_choices,
    actor_kind_choices,
    confidence_choices,
    evidence_choices,
    rag4_choices,
)
from deliverology.web.performance.models import LocalUnit
from deliverology.web.strategy.models import Intervention


def _scale_message() -> str:
    scale = ", ".join(label for _key, label in rag4_choices())
    return str(_("%(value)s is not on the RAG4 scale")) + f" ({scale})."


class LinkRatingForm(forms.Form):
    """A rating of one link; the date and evidence are checked by `actions.rate_link`."""

    rating = forms.ChoiceField(label=_("rating"), choices=rag4_choices)
    evidence = forms.CharField(
        label=_("evidence"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What you saw or measured that supports the rating."),
    )
    rated_on = forms.DateField(label=_("rated on"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rating"].error_messages["invalid_choice"] = _scale_message()


class ActivityForm(forms.ModelForm[Activity]):
    kind = forms.ChoiceField(label=_("kind"), choices=activity_kind_choices)
    evidence_of_impact = forms.ChoiceField(label=_("evidence of impact"), choices=evidence_choices)

    class Meta:
        model = Activity
        fields: tuple[str, ...] = (
            "name",
            "kind",
            "owner_name",
            "cost",
            "reach",
            "intended_effect",
            "evidence_of_impact",
            "evidence_notes",
            "stop_candidate",
        )


class AdminActivityForm(ActivityForm):
    class Meta(ActivityForm.Meta):
        fields = ("priority", *ActivityForm.Meta.fields)


class DriverForm(forms.ModelForm[Driver]):
    confidence = forms.ChoiceField(label=_("confidence"), choices=confidence_choices)

    class Meta:
        model = Driver
        fields: tuple[str, ...] = ("statement", "evidence", "confidence")


class PromoteForm(forms.Form):
    """Promoting a diagnostic's hypothesis to a driver: the evidence and the confidence."""

    evidence = forms.CharField(label=_("evidence"), widget=forms.Textarea(attrs={"rows": 3}))
    confidence = forms.ChoiceField(label=_("confidence"), choices=confidence_choices)


class DeliveryChainForm(forms.ModelForm[DeliveryChain]):
    class Meta:
        model = DeliveryChain
        fields: tuple[str, ...] = ("title", "intervention", "front_line_change")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["intervention"]
        field.queryset = Intervention.objects.filter(  # type: ignore[attr-defined]
            priority_id=self.instance.priority_id
        )


class ChainLinkForm(forms.ModelForm[ChainLink]):
    actor_kind = forms.ChoiceField(label=_("kind of actor"), choices=actor_kind_choices)

    class Meta:
        model = ChainLink
        fields: tuple[str, ...] = (
            "position",
            "actor_kind",
            "actor",
            "owner_name",
            "owner",
            "local_units",
            "levers",
            "mitigation",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "local_units" in self.fields:
            # Chains name regions and districts; listing every school would not scale.
            units = LocalUnit.objects.filter(children__isnull=False).distinct()
            self.fields["local_units"].queryset = units  # type: ignore[attr-defined]

    def clean_position(self) -> int:
        position: int = self.cleaned_data["position"]
        if position < 1:
            raise forms.ValidationError(_("Positions start at 1, the system leader."))
        taken = ChainLink.objects.filter(chain_id=self.instance.chain_id, position=position)
        if taken.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(
                _("Another link of this chain is at position %(position)s.")
                % {"position": position}
            )
        return position
