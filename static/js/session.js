/* Keeps a form being typed from being lost to the end of a session (vpsa/sessions.py).
   While the user types in a form, the session is kept alive: a request to the keepalive
   URL at most every `pingSeconds`. If the session has ended all the same (a laptop put to
   sleep, the working day's limit), the page is left as it is, a message asks the user to
   log in again in another tab, and saving waits: once they are back in this tab and
   logged in, the forms get the new CSRF token and save as usual. Loaded with defer from
   the base templates, its settings in data attributes (no inline script: CSP). */
"use strict";
{
    const script = document.currentScript;
    const {keepaliveUrl, loginUrl, endedText, loginText, restoredText} = script.dataset;
    const pingSeconds = Number(script.dataset.pingSeconds);
    let confirmedAt = Date.now(); // the page itself was a request in time
    let ended = false;
    let notice = null;

    function show(text, link) {
        if (!notice) {
            notice = document.createElement("div");
            notice.className = "alert alert-warning vpsa-session-notice";
            notice.setAttribute("role", "alert");
            notice.tabIndex = -1;
            const main = document.querySelector("main") || document.querySelector("#content") || document.body;
            main.prepend(notice);
        }
        notice.textContent = text + " ";
        if (link) {
            const a = document.createElement("a");
            a.href = loginUrl;
            a.target = "_blank";
            a.rel = "noopener";
            a.textContent = link;
            notice.append(a);
        }
    }

    function refreshTokens(token) {
        if (!token) {
            return;
        }
        for (const input of document.querySelectorAll('input[name="csrfmiddlewaretoken"]')) {
            input.value = token;
        }
    }

    /* Resolves true while the session lasts, false once it has ended, null when the
       server could not be reached (the save is then left to try on its own). */
    function ping() {
        return fetch(keepaliveUrl, {credentials: "same-origin", cache: "no-store", redirect: "manual"})
            .then((response) => {
                if (response.status === 204) {
                    confirmedAt = Date.now();
                    refreshTokens(response.headers.get("X-CSRF-Token"));
                    if (ended) {
                        ended = false;
                        show(restoredText);
                    }
                    return true;
                }
                ended = true;
                show(endedText, loginText);
                return false;
            })
            .catch(() => null);
    }

    function stale() {
        return Date.now() - confirmedAt >= pingSeconds * 1000;
    }

    document.addEventListener("input", (event) => {
        if (event.target.form && (ended || stale())) {
            confirmedAt = Date.now(); // one request at a time
            ping();
        }
    });

    window.addEventListener("focus", () => {
        if (ended) {
            ping();
        }
    });
    document.addEventListener("visibilitychange", () => {
        if (ended && document.visibilityState === "visible") {
            ping();
        }
    });

    /* A form posted after the session ended would be answered by the login page, and what
       was typed lost: check first, and post only while the session lasts. */
    const checked = new WeakSet();
    document.addEventListener("submit", (event) => {
        const form = event.target;
        if (form.method !== "post" || checked.has(form) || !(ended || stale())) {
            return;
        }
        event.preventDefault();
        event.stopImmediatePropagation();
        const submitter = event.submitter;
        ping().then((lasts) => {
            if (lasts === false) {
                notice.focus(); // why nothing was sent, where the keyboard is
                return;
            }
            checked.add(form);
            form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
            checked.delete(form);
        });
    }, true);
}
