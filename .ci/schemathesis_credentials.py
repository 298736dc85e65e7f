"""schemathesis hook: every JSON body carries a signed-in shopper's credentials
(SCHEMATHESIS_OAUTH2 / SCHEMATHESIS_ACCESS_TOKEN), so that the user-level
operations are exercised past authentication."""
import os

import schemathesis


@schemathesis.hook
def before_call(context, case, kwargs):
    if isinstance(case.body, dict):
        case.body["credentials"] = {
            "authType": "oauth2",
            "oauth2": os.environ["SCHEMATHESIS_OAUTH2"],
            "accessToken": os.environ["SCHEMATHESIS_ACCESS_TOKEN"],
        }
