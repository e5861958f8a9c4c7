import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vpsa.settings")

application = get_wsgi_application()

# What the app made while loading (modules, URL patterns, templates' nodes: some 100,000
# objects) lives as long as the process. Frozen, the cyclic garbage collector's full
# passes no longer walk it: such a pass took 50-100 ms, and a page that builds many
# objects (the engagement form's thousands of stakeholders) set one off every few requests.
gc.freeze()
