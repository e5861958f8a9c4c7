"""Sessions end after SESSION_IDLE_MINUTES without a request and after SESSION_COOKIE_AGE
in any case; a form being typed keeps its session alive through the keepalive URL."""

import datetime

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

HOME = reverse("home")
KEEPALIVE = reverse("keepalive")
START = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def logged_in(client, member, clock):
    client.force_login(member)
    return client


def later(clock, **delta):
    clock.move_to(START + datetime.timedelta(**delta))


def test_a_session_in_use_lasts(logged_in, clock):
    for minutes in (20, 40, 60, 80):
        later(clock, minutes=minutes)
        assert logged_in.get(HOME).status_code == 200


def test_an_idle_session_ends_and_says_why(logged_in, clock):
    later(clock, minutes=31)
    response = logged_in.get(HOME)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={HOME}"
    page = logged_in.get(response["Location"]).content.decode()
    assert "Your session ended after 30 minutes without activity." in page
    assert "_auth_user_id" not in logged_in.session


def test_the_idle_time_is_a_setting(logged_in, clock, settings):
    settings.SESSION_IDLE_MINUTES = 5
    later(clock, minutes=4)
    assert logged_in.get(HOME).status_code == 200
    later(clock, minutes=10)
    assert logged_in.get(HOME).status_code == 302


def test_a_session_ends_after_a_working_day_however_busy(logged_in, clock):
    for minutes in range(20, 8 * 60, 20):
        later(clock, minutes=minutes)
        assert logged_in.get(KEEPALIVE).status_code == 204
    later(clock, hours=8, minutes=1)
    response = logged_in.get(HOME)
    assert response.status_code == 302
    assert "sessions last 8 hours at most" in logged_in.get(response["Location"]).content.decode()


def test_typing_in_a_form_keeps_the_session_alive(logged_in, clock):
    """What session.js asks while a form is being typed in."""
    for minutes in range(10, 121, 10):
        later(clock, minutes=minutes)
        response = logged_in.get(KEEPALIVE)
        assert response.status_code == 204
        assert response["X-CSRF-Token"]
        assert "no-cache" in response["Cache-Control"]
    later(clock, minutes=125)
    assert logged_in.get(HOME).status_code == 200


def test_the_keepalive_says_when_the_session_has_ended(logged_in, client, clock):
    later(clock, minutes=45)
    assert logged_in.get(KEEPALIVE).status_code == 401
    client.logout()
    assert client.get(KEEPALIVE).status_code == 401


def test_the_keepalive_does_not_change_anything(logged_in):
    assert logged_in.post(KEEPALIVE).status_code == 405


def test_activity_is_written_once_a_minute_not_on_every_request(logged_in, clock):
    def session_writes():
        with CaptureQueriesContext(connection) as queries:
            logged_in.get(KEEPALIVE)
        return sum("django_session" in q["sql"] and "SELECT" not in q["sql"] for q in queries)

    assert session_writes() == 0  # the login wrote the session's start
    later(clock, seconds=30)
    assert session_writes() == 0
    later(clock, seconds=61)
    assert session_writes() >= 1
    later(clock, seconds=62)
    assert session_writes() == 0


def test_the_pages_carry_the_keepalive_script_for_a_logged_in_user(logged_in):
    page = logged_in.get(HOME).content.decode()
    assert "js/session.js" in page
    assert f'data-keepalive-url="{KEEPALIVE}"' in page


@pytest.mark.django_db
def test_the_login_page_has_no_keepalive(client):
    assert "js/session.js" not in client.get(reverse("login")).content.decode()


def test_an_ended_session_is_gone_from_the_database(logged_in, clock):
    key = logged_in.session.session_key
    later(clock, minutes=31)
    logged_in.get(HOME)
    assert not Session.objects.filter(session_key=key).exists()
