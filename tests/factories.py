import factory
from factory.django import DjangoModelFactory

from multichannel.models import Cloud, Partner, User
from multichannel.roles import Role
from multichannel.services.users import RoleGroupLookup

PASSWORD = "correct-horse-battery-staple"


class PartnerFactory(DjangoModelFactory):
    class Meta:
        model = Partner
        django_get_or_create = ("partner_id",)

    name = factory.Sequence(lambda n: f"Partner {n}")
    partner_id = factory.Sequence(lambda n: f"{7000000 + n}")
    country = "US"
    cloud = Cloud.COMMERCIAL


class UserFactory(DjangoModelFactory):
    """`UserFactory(roles={Role.SALES_AGENT})`; the password is `PASSWORD`."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    partner = factory.SubFactory(PartnerFactory)
    full_name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"user{n}@partner.example")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.set(RoleGroupLookup(self.partner).groups(set(extracted)))
            self.save()
            self.__dict__.pop("roles", None)


def make_user(partner, *roles: Role, **kwargs) -> User:
    return UserFactory(partner=partner, roles=set(roles), **kwargs)
