"""An MCP server's purchase through a client generated from mcp-api's
OpenAPI document by openapi-python-client: no header of ours is written
by hand (the client token goes through the generated AuthenticatedClient,
as the document's security scheme says). Prints the order as JSON.

usage: shop.py PACKAGE_DIR BASE_URL CLIENT_TOKEN STORE_LAT STORE_LON
"""

import json
import sys
import uuid

sys.path.insert(0, sys.argv[1])

from mcp_client import AuthenticatedClient  # noqa: E402
from mcp_client.api.logistics_orders import (  # noqa: E402
    get_order_status,
    post_auth_other,
    post_checkout,
    post_delivery,
)
from mcp_client.api.search_actualize import post_search  # noqa: E402
from mcp_client.models import (  # noqa: E402
    CheckoutRequest,
    Credentials,
    DeliveryAddress,
    DeliveryRequest,
    ProductItemOrder,
    SearchRequest,
    ShippingMethods,
    ShippingOptions,
    UserAuthRequest,
)

_, _, base_url, token, lat, lon = sys.argv
home = (float(lat) + 0.002, float(lon))


def rq_uid():
    # The generated code puts a header parameter into httpx as given, and
    # httpx takes only text: the uuid goes as its text (a generator
    # limitation with `format: uuid` headers, not a header of ours).
    return str(uuid.uuid4())


client = AuthenticatedClient(base_url=base_url, token=token, raise_on_unexpected_status=True)


def ok(response, what):
    if response.status_code != 200:
        raise SystemExit(f"{what}: {response.status_code} {response.content!r}")
    return response.parsed


login = ok(
    post_auth_other.sync_detailed(
        client=client, body=UserAuthRequest(token="sandbox:generated-shopper"), rq_uid=rq_uid()
    ),
    "auth/other",
)
credentials = Credentials(access_token=login.access_token)

found = ok(
    post_search.sync_detailed(
        client=client, body=SearchRequest(lat=home[0], lon=home[1], query="молоко"), rq_uid=rq_uid()
    ),
    "search",
)
item = next(i for i in found.items if i.stock and i.stock > 0 and i.avail_to_delivery)
items = [ProductItemOrder(sku_id=item.sku_id, quantity=1, unit=item.unit, price=item.price)]

address = DeliveryAddress(lat=home[0], lon=home[1], full_address="Москва, Тверская, 1")
options = ok(
    post_delivery.sync_detailed(
        client=client,
        body=DeliveryRequest(
            items=items, shipping=ShippingMethods.DELIVERY, delivery_address=address, credentials=credentials
        ),
        rq_uid=rq_uid(),
    ),
    "delivery",
)
created = ok(
    post_checkout.sync_detailed(
        client=client,
        body=CheckoutRequest(
            items=items,
            shipping=ShippingMethods.DELIVERY,
            shipping_options=ShippingOptions.from_dict(options.options[0].to_dict()),
            store_id=options.store_id,
            delivery_adress=address,
            credentials=credentials,
        ),
        rq_uid=rq_uid(),
    ),
    "checkout",
)
status = ok(
    get_order_status.sync_detailed(order_id=created.order_id, client=client, x_access_token=login.access_token),
    "order status",
)
print(json.dumps({"orderId": created.order_id, "status": str(status.status.value), "sku": item.sku_id}))
