from django.contrib.auth.forms import AuthenticationForm


class LoginForm(AuthenticationForm):
    """The standard form; the template renders its fields with labels and error messages."""
