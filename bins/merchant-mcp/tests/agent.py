"""An AI agent's side of a whole purchase, driven by the official Python MCP
SDK (`mcp` from PyPI): initialize, list the tools and check their input
schemas, search in Russian, get delivery options, sign in, place an order,
get a payment link, pay it on the sandbox page, see the order paid; bad
arguments answered with tool errors. Over Streamable HTTP:

    agent.py http URL CLIENT_TOKEN
    agent.py stdio COMMAND [ARG…]          (the server's environment is ours)

Prints one JSON line {"order_id": …, "total": …} on success; exits non-zero
with what went wrong otherwise.
"""

import asyncio
import json
import os
import sys
import uuid

import httpx2
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

MOSCOW = {"latitude": 55.7558, "longitude": 37.6173}
TOOLS = {
    "search_products": {"query"},
    "get_products": {"skus"},
    "delivery_options": {"items"},
    "place_order": {"items", "store_id", "shipping", "slot_start", "slot_end", "idempotency_key"},
    "payment_link": {"order_id"},
    "order_status": {"order_id"},
    "cancel_order": {"order_id"},
    "sign_in": {"provider", "token"},
}


def check(condition, what):
    if not condition:
        raise SystemExit(f"agent: {what}")


async def call(session, tool, arguments):
    result = await session.call_tool(tool, arguments)
    text = " ".join(c.text for c in result.content if getattr(c, "text", None))
    return result.is_error, result.structured_content, text


async def ok(session, tool, arguments):
    error, structured, text = await call(session, tool, arguments)
    check(not error, f"{tool} failed: {text}")
    check(isinstance(structured, dict), f"{tool} gave no structured content: {text}")
    return structured


async def refused(session, tool, arguments, expect=""):
    error, _, text = await call(session, tool, arguments)
    check(error, f"{tool}({json.dumps(arguments, ensure_ascii=False)[:200]}) was not refused")
    check(expect.lower() in text.lower(), f"{tool}: {text!r} does not say {expect!r}")
    return text


async def purchase(session):
    init = await session.initialize()
    check(init.server_info.name == "merchant-mcp", f"server {init.server_info.name}")
    listed = {t.name: t for t in (await session.list_tools()).tools}
    check(set(listed) == set(TOOLS), f"tools {sorted(listed)}")
    for name, required in TOOLS.items():
        schema = listed[name].input_schema
        check(schema.get("type") == "object", f"{name}: schema {schema}")
        check(required <= set(schema.get("required", [])), f"{name}: required {schema.get('required')}")
        description = listed[name].description or ""
        check(any("а" <= c <= "я" for c in description.lower()) and any(c.isascii() and c.isalpha() for c in description),
              f"{name}: described in Russian and English: {description!r}")
        check(listed[name].output_schema is not None, f"{name} declares no output schema")

    resources = await session.list_resources()
    check([str(r.uri) for r in resources.resources] == ["merchant://stores"], "the store list resource")
    stores = json.loads((await session.read_resource("merchant://stores")).contents[0].text)
    check(len(stores["stores"]) > 0, "stores")
    prompts = await session.list_prompts()
    check([p.name for p in prompts.prompts] == ["shop"], "the shopping prompt")

    # Bad arguments: tool errors, never protocol failures.
    await refused(session, "search_products", {"query": 5}, "invalid type")
    await refused(session, "search_products", {"query": "молоко"}, "latitude")
    await refused(session, "search_products", {"query": "x" * 100_000, **MOSCOW}, "longer")
    await refused(session, "search_products", {"query": "молоко", "limit": -3, **MOSCOW})
    await refused(session, "get_products", {"skus": ["NO-SUCH-SKU"], "store_id": "NOWHERE"}, "store")
    await refused(session, "delivery_options", {"items": [{"sku": "SKU-000001", "quantity": 1}] * 10_000, **MOSCOW}, "items")
    await refused(session, "delivery_options", {"items": [{"sku": "SKU-000001", "quantity": "много"}], **MOSCOW})
    await refused(session, "order_status", {"order_id": "nope"}, "signed in")

    found = await ok(session, "search_products", {"query": "молоко", "limit": 5, **MOSCOW})
    in_stock = [p for p in found["products"] if p["in_stock"] and p["unit"] == "pcs"]
    check(in_stock, f"no milk in stock near Moscow: {found}")
    check(any("олоко" in p["name"] for p in in_stock), "a Russian query finds milk")
    milk = in_stock[0]
    items = [{"sku": milk["sku"], "quantity": 2}]
    current = await ok(session, "get_products", {"skus": [milk["sku"]], "store_id": milk["store_id"]})
    check(current["products"][0]["sku"] == milk["sku"], "get_products")

    options = await ok(session, "delivery_options", {"items": items, "pickup_store_id": milk["store_id"]})
    check(options["slots"], f"no slots: {options}")
    slot = options["slots"][0]

    order_args = {
        "items": items, "store_id": options["store_id"], "shipping": "pickup",
        "slot_start": slot["slot_start"], "slot_end": slot["slot_end"],
        "expected_total": slot["order_price"], "idempotency_key": str(uuid.uuid4()),
    }
    await refused(session, "place_order", order_args, "sign_in")
    signed = await ok(session, "sign_in", {"provider": "merchant_token", "token": "sandbox:agent-shopper"})
    check(signed["user_id"], "signed in")
    await refused(session, "place_order", {**order_args, "expected_total": "0.01"}, "price")
    await refused(session, "place_order", {**order_args, "items": [{"sku": "NO-SUCH-SKU", "quantity": 1}]}, "NO-SUCH-SKU")
    order = await ok(session, "place_order", order_args)
    again = await ok(session, "place_order", order_args)
    check(again["order_id"] == order["order_id"], "the same idempotency key, the same order")
    check(order["status"] == "new" and order["total"] == slot["order_price"], f"order {order}")

    link = await ok(session, "payment_link", {"order_id": order["order_id"]})
    check(link["url"].startswith("http"), f"link {link}")
    async with httpx2.AsyncClient() as browser:
        page = await browser.get(link["url"])
        check(page.status_code == 200, f"the payment page: {page.status_code}")
        paid = await browser.post(link["url"], data={"choice": "pay"})
        check(paid.status_code == 303, f"paying: {paid.status_code} {paid.text[:200]}")
    status = await ok(session, "order_status", {"order_id": order["order_id"]})
    check(status["status"] == "paid" and status["payment"] == "succeeded", f"after paying: {status}")
    await refused(session, "payment_link", {"order_id": order["order_id"]}, "paid")
    # A second order, called off before paying: its goods go back.
    second = await ok(session, "place_order", {**order_args, "idempotency_key": str(uuid.uuid4())})
    check(second["order_id"] != order["order_id"], "a new key, a new order")
    cancelled = await ok(session, "cancel_order", {"order_id": second["order_id"]})
    check(cancelled["status"] == "cancelled", f"cancelled: {cancelled}")
    await refused(session, "cancel_order", {"order_id": second["order_id"]}, "cannot")
    print(json.dumps({"order_id": order["order_id"], "total": order["total"]}), flush=True)


async def main():
    mode = sys.argv[1]
    if mode == "http":
        url, token = sys.argv[2], sys.argv[3]
        async with httpx2.AsyncClient() as anonymous:
            refused_401 = await anonymous.post(url, json={})
            check(refused_401.status_code == 401, f"without a token: {refused_401.status_code}")
            check("Bearer" in refused_401.headers.get("www-authenticate", ""), "WWW-Authenticate")
        http = create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})
        async with http, streamable_http_client(url, http_client=http) as (read, write):
            async with ClientSession(read, write) as session:
                await purchase(session)
    else:
        server = StdioServerParameters(command=sys.argv[2], args=sys.argv[3:], env=dict(os.environ))
        async with stdio_client(server) as (read, write):
            async with ClientSession(read, write) as session:
                await purchase(session)


asyncio.run(main())
