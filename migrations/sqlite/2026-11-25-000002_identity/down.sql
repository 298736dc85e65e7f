DROP TABLE mcp_clients;
DROP TABLE access_tokens;
DROP TABLE user_identities;
DROP TABLE users;
