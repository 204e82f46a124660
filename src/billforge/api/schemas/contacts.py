"""Contacts as Zuora's REST API names them (``CreateAccountContact``, ``ContactInfo``)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field
from sqlalchemy import Row

from billforge.api.validation import ZStr, ZuoraModel
from billforge.services.accounts import ContactInput

Name = Annotated[ZStr, Field(min_length=1, max_length=100)]


class ContactRequest(ZuoraModel):
    first_name: Name = Field(alias="firstName")
    last_name: Name = Field(alias="lastName")
    nickname: Annotated[ZStr, Field(max_length=100)] | None = None
    address1: Annotated[ZStr, Field(max_length=255)] | None = None
    address2: Annotated[ZStr, Field(max_length=255)] | None = None
    city: Annotated[ZStr, Field(max_length=40)] | None = None
    county: Annotated[ZStr, Field(max_length=32)] | None = None
    state: Annotated[ZStr, Field(max_length=40)] | None = None
    zip_code: Annotated[ZStr, Field(max_length=20)] | None = Field(default=None, alias="zipCode")
    postal_code: Annotated[ZStr, Field(max_length=20)] | None = Field(default=None, alias="postalCode")
    country: Annotated[ZStr, Field(max_length=64)] | None = None
    tax_region: Annotated[ZStr, Field(max_length=32)] | None = Field(default=None, alias="taxRegion")
    work_email: Annotated[ZStr, Field(max_length=80)] | None = Field(default=None, alias="workEmail")
    personal_email: Annotated[ZStr, Field(max_length=80)] | None = Field(default=None, alias="personalEmail")
    work_phone: Annotated[ZStr, Field(max_length=40)] | None = Field(default=None, alias="workPhone")
    home_phone: Annotated[ZStr, Field(max_length=40)] | None = Field(default=None, alias="homePhone")
    mobile_phone: Annotated[ZStr, Field(max_length=40)] | None = Field(default=None, alias="mobilePhone")
    fax: Annotated[ZStr, Field(max_length=40)] | None = None
    other_phone: Annotated[ZStr, Field(max_length=40)] | None = Field(default=None, alias="otherPhone")
    other_phone_type: Annotated[ZStr, Field(max_length=20)] | None = Field(default=None, alias="otherPhoneType")
    contact_description: Annotated[ZStr, Field(max_length=100)] | None = Field(default=None, alias="contactDescription")

    def to_input(self) -> ContactInput:
        return ContactInput(
            first_name=self.first_name,
            last_name=self.last_name,
            nickname=self.nickname,
            address1=self.address1,
            address2=self.address2,
            city=self.city,
            county=self.county,
            state=self.state,
            postal_code=self.zip_code or self.postal_code,
            country=self.country,
            tax_region=self.tax_region,
            work_email=self.work_email,
            personal_email=self.personal_email,
            work_phone=self.work_phone,
            home_phone=self.home_phone,
            mobile_phone=self.mobile_phone,
            fax=self.fax,
            other_phone=self.other_phone,
            other_phone_type=self.other_phone_type,
            description=self.contact_description,
            extra={k: v for k, v in (self.model_extra or {}).items() if k.endswith("__c")},
        )


def contact_info(row: Row[Any] | None) -> dict[str, Any] | None:
    """A stored contact in ``ContactInfo`` shape."""
    if row is None:
        return None
    return {
        "id": row.id,
        "firstName": row.first_name,
        "lastName": row.last_name,
        "nickname": row.nickname,
        "address1": row.address1,
        "address2": row.address2,
        "city": row.city,
        "county": row.county,
        "state": row.state,
        "zipCode": row.postal_code,
        "postalCode": row.postal_code,
        "country": row.country,
        "taxRegion": row.tax_region,
        "workEmail": row.work_email,
        "personalEmail": row.personal_email,
        "workPhone": row.work_phone,
        "homePhone": row.home_phone,
        "mobilePhone": row.mobile_phone,
        "fax": row.fax,
        "otherPhone": row.other_phone,
        "otherPhoneType": row.other_phone_type,
        "contactDescription": row.description,
        **(row.extra or {}),
    }
