"""A Streamlit page that reads st.user filled by Gatehouse (docs/streamlit.md).

Gatehouse percent-encodes identity headers (UTF-8, so any name survives every proxy and server); Streamlit
reads headers as Latin-1 text, so a name like "Zoë Ångström" arrives as "Zo%C3%AB %C3%85ngstr%C3%B6m".
`unquote` gives it back exactly; for ASCII values it changes nothing.
"""
from urllib.parse import unquote

import streamlit as st


def user(key):
    value = st.user.get(key)
    return unquote(value) if isinstance(value, str) else value


st.title("Signed in with Gatehouse")
if st.user.is_logged_in:
    st.markdown(f"Hello **{user('name') or user('email')}**")
    st.text(f"name: {user('name')}")
    st.text(f"email: {user('email')}")
    st.text(f"sub: {user('sub')}")
    st.text(f"groups: {[unquote(g) for g in (st.user.get('groups') or '').split(',') if g]}")
    st.text(f"provider: {user('provider')}")
    # Gatehouse's own cookies never reach the app (nginx/streamlit-site.conf removes them).
    st.text(f"gatehouse cookies seen by the app: {sorted(c for c in st.context.cookies if c.startswith('_gatehouse'))}")
    st.link_button("Sign out", "/oauth2/sign_out")
else:
    st.text("Not signed in: this page is meant to be served behind Gatehouse.")
