"""
Custom email templates: only ``{{ name }}`` placeholders, checked when saved and rendered safely.
"""

import pytest

from mandatory_assignments.email_templates import (
    PLACEHOLDERS,
    render,
    render_subject,
    render_template,
    template_errors,
)
from mandatory_assignments.models import EmailTemplate

VALUES = {
    "learner_name": "Lena <b>Doe</b>",
    "target_name": "Workplace Safety",
    "due_date": "Dec. 15, 2026",
    "note": "First line & more\nSecond line <script>alert(1)</script>",
    "target_url": "https://lms.example.com/courses/course-v1:AcmeX+SAFE101+2026/",
    "days": 3,
}


# Checking ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Plain text without placeholders",
        "Hello {{ learner_name }}, {{target_name}} is due {{  due_date  }}.",
        '<p>{{ note }}</p><a href="{{ target_url }}">{{ target_name }}</a>',
        "Braces alone { are } fine",
    ],
)
def test_valid_templates_have_no_errors(text):
    assert template_errors(text) == []


def test_every_documented_placeholder_is_accepted():
    text = " ".join(f"{{{{ {name} }}}}" for name in PLACEHOLDERS)
    assert template_errors(text) == []
    assert all(str(description) for description in PLACEHOLDERS.values())


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("Hello {{ unknown }}", "{{ unknown }}"),
        ("{{ user.password }}", "{{ user.password }}"),
        ("{{ learner_name|upper }}", "{{ learner_name|upper }}"),
        ("{{ settings.SECRET_KEY }}", "{{ settings.SECRET_KEY }}"),
        ("{% load x %}", "{% load x %}"),
        ("{% include 'secret.html' %}", "{% include 'secret.html' %}"),
        ("{% if x %}a{% endif %}", "{% if x %}"),
        ("{# comment #}", "{# comment #}"),
    ],
)
def test_unknown_names_expressions_and_tags_are_rejected(text, fragment):
    errors = template_errors(text)
    assert errors
    assert any(fragment in str(error) for error in errors), errors


@pytest.mark.parametrize("text", ["Hello {{ learner_name", "Hello learner_name }}", "{% load x", "{{ {{ note }} }}"])
def test_malformed_syntax_is_rejected(text):
    assert template_errors(text)


def test_errors_name_the_known_placeholders():
    (error,) = template_errors("{{ nmae }}")
    assert "learner_name" in str(error)


# Rendering --------------------------------------------------------------------------------------


def test_text_rendering_inserts_values_as_they_are():
    text = render("Hi {{ learner_name }}: {{ note }} ({{ days }} days)", VALUES, html=False)
    assert text == ("Hi Lena <b>Doe</b>: First line & more\nSecond line <script>alert(1)</script> (3 days)")


def test_html_rendering_escapes_every_value_and_keeps_line_breaks():
    html = render("<p>Hi {{ learner_name }}</p><p>{{ note }}</p>", VALUES, html=True)
    assert html == (
        "<p>Hi Lena &lt;b&gt;Doe&lt;/b&gt;</p>"
        "<p>First line &amp; more<br>Second line &lt;script&gt;alert(1)&lt;/script&gt;</p>"
    )


def test_nothing_but_placeholders_is_evaluated():
    text = "{% if True %}yes{% endif %} {{ user.password }} {{ learner_name.upper }} {{ unknown }} {{ target_name }}"
    rendered = render(text, VALUES, html=False)
    # Tags stay literal text, unknown names and expressions give nothing away.
    assert rendered == "{% if True %}yes{% endif %} {{ user.password }} {{ learner_name.upper }}  Workplace Safety"


def test_values_are_not_rendered_again():
    # A value that looks like a placeholder is text, not a second round of substitution.
    rendered = render("{{ note }}", {"note": "{{ learner_name }}", "learner_name": "x"}, html=False)
    assert rendered == "{{ learner_name }}"


def test_subject_is_one_line():
    assert render_subject("Due {{ due_date }}:\n {{ note }}", VALUES) == (
        "Due Dec. 15, 2026: First line & more Second line <script>alert(1)</script>"
    )


def test_missing_values_render_empty():
    assert render("[{{ note }}]", {}, html=True) == "[]"


@pytest.mark.django_db
def test_render_a_stored_template_without_html_body():
    template = EmailTemplate.objects.create(
        name="plain", subject="Reminder for\n{{ learner_name }}", body_text="Dear {{ learner_name }},\n{{ note }}"
    )
    rendered = render_template(template, VALUES)
    assert rendered["subject"] == "Reminder for Lena <b>Doe</b>"
    assert rendered["text"].startswith("Dear Lena <b>Doe</b>,\nFirst line & more")
    assert rendered["html"].startswith("Dear Lena &lt;b&gt;Doe&lt;/b&gt;,<br>First line &amp; more<br>")
    assert "<script>" not in rendered["html"]


# Sanitising (nh3) ----------------------------------------------------------------------------------


HOSTILE_HTML = (
    '<p onclick="steal()">Hi {{ learner_name }}</p><script>alert(1)</script>'
    '<img src="x" onerror="steal()"><a href="javascript:steal()">bad</a> <a href="{{ target_url }}">Start</a>'
)


def test_a_template_stored_with_markup_tricks_renders_without_them():
    # Stored around the admin form (an old row, a data migration, the shell): rendering sanitises too.
    template = EmailTemplate(name="hostile", subject="Hi", body_text="Hi", body_html=HOSTILE_HTML)

    html = render_template(template, VALUES)["html"]

    assert "<script" not in html and "onclick" not in html and "onerror" not in html
    assert "javascript:" not in html
    assert "Hi Lena &lt;b&gt;Doe&lt;/b&gt;" in html  # the placeholder's value stays escaped
    assert f'href="{VALUES["target_url"]}"' in html


@pytest.mark.django_db
def test_the_admin_stores_custom_html_sanitised(client):
    from django.urls import reverse

    from sandbox import controls

    root = controls.create_user("root", email="root@example.com", password="pw", is_staff=True)
    root.is_superuser = True
    root.save()
    client.force_login(root)

    response = client.post(
        reverse("admin:mandatory_assignments_emailtemplate_add"),
        {"name": "hostile", "subject": "Hi", "body_text": "Hi {{ learner_name }}", "body_html": HOSTILE_HTML},
    )

    assert response.status_code == 302
    stored = EmailTemplate.objects.get(name="hostile").body_html
    assert "<script" not in stored and "onclick" not in stored and "javascript:" not in stored
    assert "{{ learner_name }}" in stored and "{{ target_url }}" in stored
