import pytest
from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_login_page_renders_for_anonymous(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "Log in to VPSA" in response.content.decode()


def test_logging_in_leads_to_the_dashboard(client, member, site):
    response = client.post(
        reverse("login"), {"username": "member", "password": "password"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("home")
    assert response.templates[0].name == "dashboard/dashboard.html"
    assert site.name in response.content.decode()


def test_a_wrong_password_is_refused_with_a_message(client, member):
    response = client.post(reverse("login"), {"username": "member", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_is_post_only(client, member):
    client.force_login(member)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_health_check_needs_no_login(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.content == b"ok"


def test_a_user_with_no_site_sees_an_empty_registry(client):
    client.force_login(UserFactory())
    response = client.get(reverse("stakeholders:list"))
    assert response.status_code == 200
    assert "The registry of your sites is empty" in response.content.decode()


def test_static_assets_are_served_by_the_app(client, member):
    client.force_login(member)
    content = client.get(reverse("stakeholders:list")).content.decode()
    assert "/static/vendor/bootstrap-5.3.9/css/bootstrap.min.css" in content
    assert "cdn" not in content.lower()


def test_the_favicon_needs_no_login(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == static("favicon.svg")


def test_pages_and_the_admin_link_the_favicon(client, admin_member):
    link = f'<link rel="icon" href="{static("favicon.svg")}" type="image/svg+xml">'
    assert link in client.get(reverse("login")).content.decode()
    client.force_login(admin_member)
    assert link in client.get(reverse("stakeholders:list")).content.decode()
    assert link in client.get(reverse("admin:index")).content.decode()
    assert (
        link in client.get(reverse("admin:stakeholders_stakeholder_changelist")).content.decode()
    )


def test_the_favicon_is_a_self_contained_svg():
    svg = (settings.BASE_DIR / "static" / "favicon.svg").read_text()
    assert svg.startswith("<svg ")
    assert "href" not in svg  # no external assets
