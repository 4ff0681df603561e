from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Partner Portal administration"
admin.site.site_title = "Partner Portal admin"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("multichannel.urls")),
]

handler400 = "multichannel.views.errors.bad_request"
handler403 = "multichannel.views.errors.permission_denied"
handler404 = "multichannel.views.errors.page_not_found"
handler500 = "multichannel.views.errors.server_error"
