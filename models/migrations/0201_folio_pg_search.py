"""FOLIO CQL on PostgreSQL: `folio_unaccent()` and expression indexes on contact names.

As RMB does for FOLIO modules, the indexes are on the very expressions cql2pgjson's
SQL uses, so the predicates are index-backed and never stale:
`to_tsvector('simple', translate(folio_unaccent(name), '&', ','))` (GIN, full text)
and `lower(folio_unaccent(name)) COLLATE "C"` (B-tree: `==` prefixes and sorts).
`folio_unaccent` is PostgreSQL 15's contrib `unaccent.rules` as a PL/pgSQL lookup (no
extension or privilege needed), frozen here from the same file as
`services/folio/unaccent_rules.py`; its body calls built-ins only, so dumps restore.
SQLite keeps its own index tables (migration 0200).
"""
import json

from peewee import PostgresqlDatabase

INDEXES = {
    "folio_contact_first_tsv": "USING GIN (to_tsvector('simple'::regconfig, "
                               "translate(folio_unaccent(given_name), '&', ',')))",
    "folio_contact_last_tsv": "USING GIN (to_tsvector('simple'::regconfig, "
                              "translate(folio_unaccent(family_name), '&', ',')))",
    "folio_contact_last_first": "((lower(folio_unaccent(family_name)) COLLATE \"C\"), "
                                "(lower(folio_unaccent(given_name)) COLLATE \"C\"), autokey)",
    "folio_contact_first_last": "((lower(folio_unaccent(given_name)) COLLATE \"C\"), "
                                "(lower(folio_unaccent(family_name)) COLLATE \"C\"), autokey)",
}


def _literal(text: str) -> str:
    """A Unicode-escaped SQL literal: plain ASCII, so no quote, `%` or backslash issues."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch.isascii() and ch.isalnum() or ch == " ":
            out.append(ch)
        elif code < 0x10000:
            out.append(f"\\{code:04X}")
        else:
            out.append(f"\\+{code:06X}")
    return "U&'" + "".join(out) + "'"


def unaccent_function() -> str:
    """CREATE FUNCTION folio_unaccent(text): RMB's f_unaccent() without the extension.

    PL/pgSQL so that the rule map is parsed once per session (a SQL function would
    re-plan it in every statement); ASCII text returns at once, other text costs
    about a microsecond per character (translate() with the rule strings: 5-10 times more).
    """
    rules = {source: target for source, target in zip(ONE_FROM, ONE_TO)}
    rules.update({source: "" for source in DROP})
    rules.update(dict(MANY))
    mapping = _literal(json.dumps(rules, ensure_ascii=False, separators=(",", ":")))
    return ("CREATE OR REPLACE FUNCTION folio_unaccent(t text) RETURNS text "
            "LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $fn$ "
            "DECLARE c text; folded text := ''; BEGIN "
            "IF octet_length(t) = char_length(t) THEN RETURN t; END IF; "
            "FOREACH c IN ARRAY string_to_array(t, NULL) LOOP "
            f"folded := folded || coalesce({mapping}::jsonb ->> c, c); "
            "END LOOP; RETURN folded; END $fn$")


def up(migrator, db):
    if not isinstance(db, PostgresqlDatabase):
        return  # SQLite: folio_key / folio_fts of migration 0200.
    db.execute_sql(unaccent_function())
    for name, definition in INDEXES.items():
        db.execute_sql(f"CREATE INDEX IF NOT EXISTS {name} ON contact {definition}")


def down(migrator, db):
    if isinstance(db, PostgresqlDatabase):
        for name in INDEXES:
            db.execute_sql(f"DROP INDEX IF EXISTS {name}")
        db.execute_sql("DROP FUNCTION IF EXISTS folio_unaccent(text)")


# ---------------------------------------------------------------- frozen unaccent.rules
# PostgreSQL 15 contrib/unaccent/unaccent.rules (PostgreSQL licence): characters
# replaced by one character (ONE_FROM -> ONE_TO), deleted (DROP), or by several (MANY).

ONE_FROM = (
    "\u00a1\u00ad\u00bf\u00c0\u00c1\u00c2\u00c3\u00c4\u00c5\u00c7\u00c8\u00c9\u00ca\u00cb"
    "\u00cc\u00cd\u00ce\u00cf\u00d0\u00d1\u00d2\u00d3\u00d4\u00d5\u00d6\u00d7\u00d8\u00d9"
    "\u00da\u00db\u00dc\u00dd\u00e0\u00e1\u00e2\u00e3\u00e4\u00e5\u00e7\u00e8\u00e9\u00ea"
    "\u00eb\u00ec\u00ed\u00ee\u00ef\u00f0\u00f1\u00f2\u00f3\u00f4\u00f5\u00f6\u00f7\u00f8"
    "\u00f9\u00fa\u00fb\u00fc\u00fd\u00ff\u0100\u0101\u0102\u0103\u0104\u0105\u0106\u0107"
    "\u0108\u0109\u010a\u010b\u010c\u010d\u010e\u010f\u0110\u0111\u0112\u0113\u0114\u0115"
    "\u0116\u0117\u0118\u0119\u011a\u011b\u011c\u011d\u011e\u011f\u0120\u0121\u0122\u0123"
    "\u0124\u0125\u0126\u0127\u0128\u0129\u012a\u012b\u012c\u012d\u012e\u012f\u0130\u0131"
    "\u0134\u0135\u0136\u0137\u0138\u0139\u013a\u013b\u013c\u013d\u013e\u013f\u0140\u0141"
    "\u0142\u0143\u0144\u0145\u0146\u0147\u0148\u014a\u014b\u014c\u014d\u014e\u014f\u0150"
    "\u0151\u0154\u0155\u0156\u0157\u0158\u0159\u015a\u015b\u015c\u015d\u015e\u015f\u0160"
    "\u0161\u0162\u0163\u0164\u0165\u0166\u0167\u0168\u0169\u016a\u016b\u016c\u016d\u016e"
    "\u016f\u0170\u0171\u0172\u0173\u0174\u0175\u0176\u0177\u0178\u0179\u017a\u017b\u017c"
    "\u017d\u017e\u017f\u0180\u0181\u0182\u0183\u0187\u0188\u0189\u018a\u018b\u018c\u0190"
    "\u0191\u0192\u0193\u0196\u0197\u0198\u0199\u019a\u019d\u019e\u01a0\u01a1\u01a4\u01a5"
    "\u01ab\u01ac\u01ad\u01ae\u01af\u01b0\u01b2\u01b3\u01b4\u01b5\u01b6\u01cd\u01ce\u01cf"
    "\u01d0\u01d1\u01d2\u01d3\u01d4\u01d5\u01d6\u01d7\u01d8\u01d9\u01da\u01db\u01dc\u01de"
    "\u01df\u01e0\u01e1\u01e4\u01e5\u01e6\u01e7\u01e8\u01e9\u01ea\u01eb\u01ec\u01ed\u01f0"
    "\u01f4\u01f5\u01f8\u01f9\u01fa\u01fb\u0200\u0201\u0202\u0203\u0204\u0205\u0206\u0207"
    "\u0208\u0209\u020a\u020b\u020c\u020d\u020e\u020f\u0210\u0211\u0212\u0213\u0214\u0215"
    "\u0216\u0217\u0218\u0219\u021a\u021b\u021e\u021f\u0221\u0224\u0225\u0226\u0227\u0228"
    "\u0229\u022a\u022b\u022c\u022d\u022e\u022f\u0230\u0231\u0232\u0233\u0234\u0235\u0236"
    "\u0237\u023a\u023b\u023c\u023d\u023e\u023f\u0240\u0243\u0244\u0246\u0247\u0248\u0249"
    "\u024c\u024d\u024e\u024f\u0253\u0255\u0256\u0257\u025b\u025f\u0260\u0261\u0262\u0266"
    "\u0267\u0268\u026a\u026b\u026c\u026d\u0271\u0272\u0273\u0274\u027c\u027d\u027e\u0280"
    "\u0282\u0288\u0289\u028b\u028f\u0290\u0291\u0299\u029b\u029c\u029d\u029f\u02a0\u02b9"
    "\u02ba\u02bb\u02bc\u02bd\u02c2\u02c3\u02c4\u02c6\u02c8\u02cb\u02d0\u02d6\u02d7\u02dc"
    "\u0386\u0388\u0389\u038a\u038c\u038e\u038f\u0390\u03aa\u03ab\u03ac\u03ad\u03ae\u03af"
    "\u03b0\u03ca\u03cb\u03cc\u03cd\u03ce\u0401\u0451\u1d00\u1d03\u1d04\u1d05\u1d06\u1d07"
    "\u1d0a\u1d0b\u1d0c\u1d0d\u1d0f\u1d18\u1d1b\u1d1c\u1d20\u1d21\u1d22\u1d6c\u1d6d\u1d6e"
    "\u1d6f\u1d70\u1d71\u1d72\u1d73\u1d74\u1d75\u1d76\u1d7b\u1d7d\u1d7e\u1d80\u1d81\u1d82"
    "\u1d83\u1d84\u1d85\u1d86\u1d87\u1d88\u1d89\u1d8a\u1d8c\u1d8d\u1d8e\u1d8f\u1d91\u1d92"
    "\u1d93\u1d96\u1d99\u1e00\u1e01\u1e02\u1e03\u1e04\u1e05\u1e06\u1e07\u1e08\u1e09\u1e0a"
    "\u1e0b\u1e0c\u1e0d\u1e0e\u1e0f\u1e10\u1e11\u1e12\u1e13\u1e14\u1e15\u1e16\u1e17\u1e18"
    "\u1e19\u1e1a\u1e1b\u1e1c\u1e1d\u1e1e\u1e1f\u1e20\u1e21\u1e22\u1e23\u1e24\u1e25\u1e26"
    "\u1e27\u1e28\u1e29\u1e2a\u1e2b\u1e2c\u1e2d\u1e2e\u1e2f\u1e30\u1e31\u1e32\u1e33\u1e34"
    "\u1e35\u1e36\u1e37\u1e38\u1e39\u1e3a\u1e3b\u1e3c\u1e3d\u1e3e\u1e3f\u1e40\u1e41\u1e42"
    "\u1e43\u1e44\u1e45\u1e46\u1e47\u1e48\u1e49\u1e4a\u1e4b\u1e4c\u1e4d\u1e4e\u1e4f\u1e50"
    "\u1e51\u1e52\u1e53\u1e54\u1e55\u1e56\u1e57\u1e58\u1e59\u1e5a\u1e5b\u1e5c\u1e5d\u1e5e"
    "\u1e5f\u1e60\u1e61\u1e62\u1e63\u1e64\u1e65\u1e66\u1e67\u1e68\u1e69\u1e6a\u1e6b\u1e6c"
    "\u1e6d\u1e6e\u1e6f\u1e70\u1e71\u1e72\u1e73\u1e74\u1e75\u1e76\u1e77\u1e78\u1e79\u1e7a"
    "\u1e7b\u1e7c\u1e7d\u1e7e\u1e7f\u1e80\u1e81\u1e82\u1e83\u1e84\u1e85\u1e86\u1e87\u1e88"
    "\u1e89\u1e8a\u1e8b\u1e8c\u1e8d\u1e8e\u1e8f\u1e90\u1e91\u1e92\u1e93\u1e94\u1e95\u1e96"
    "\u1e97\u1e98\u1e99\u1e9a\u1e9c\u1e9d\u1ea0\u1ea1\u1ea2\u1ea3\u1ea4\u1ea5\u1ea6\u1ea7"
    "\u1ea8\u1ea9\u1eaa\u1eab\u1eac\u1ead\u1eae\u1eaf\u1eb0\u1eb1\u1eb2\u1eb3\u1eb4\u1eb5"
    "\u1eb6\u1eb7\u1eb8\u1eb9\u1eba\u1ebb\u1ebc\u1ebd\u1ebe\u1ebf\u1ec0\u1ec1\u1ec2\u1ec3"
    "\u1ec4\u1ec5\u1ec6\u1ec7\u1ec8\u1ec9\u1eca\u1ecb\u1ecc\u1ecd\u1ece\u1ecf\u1ed0\u1ed1"
    "\u1ed2\u1ed3\u1ed4\u1ed5\u1ed6\u1ed7\u1ed8\u1ed9\u1eda\u1edb\u1edc\u1edd\u1ede\u1edf"
    "\u1ee0\u1ee1\u1ee2\u1ee3\u1ee4\u1ee5\u1ee6\u1ee7\u1ee8\u1ee9\u1eea\u1eeb\u1eec\u1eed"
    "\u1eee\u1eef\u1ef0\u1ef1\u1ef2\u1ef3\u1ef4\u1ef5\u1ef6\u1ef7\u1ef8\u1ef9\u1efc\u1efd"
    "\u1efe\u1eff\u1f00\u1f01\u1f02\u1f03\u1f04\u1f05\u1f06\u1f07\u1f08\u1f09\u1f0a\u1f0b"
    "\u1f0c\u1f0d\u1f0e\u1f0f\u1f10\u1f11\u1f12\u1f13\u1f14\u1f15\u1f18\u1f19\u1f1a\u1f1b"
    "\u1f1c\u1f1d\u1f20\u1f21\u1f22\u1f23\u1f24\u1f25\u1f26\u1f27\u1f28\u1f29\u1f2a\u1f2b"
    "\u1f2c\u1f2d\u1f2e\u1f2f\u1f30\u1f31\u1f32\u1f33\u1f34\u1f35\u1f36\u1f37\u1f38\u1f39"
    "\u1f3a\u1f3b\u1f3c\u1f3d\u1f3e\u1f3f\u1f40\u1f41\u1f42\u1f43\u1f44\u1f45\u1f48\u1f49"
    "\u1f4a\u1f4b\u1f4c\u1f4d\u1f50\u1f51\u1f52\u1f53\u1f54\u1f55\u1f56\u1f57\u1f59\u1f5b"
    "\u1f5d\u1f5f\u1f60\u1f61\u1f62\u1f63\u1f64\u1f65\u1f66\u1f67\u1f68\u1f69\u1f6a\u1f6b"
    "\u1f6c\u1f6d\u1f6e\u1f6f\u1f70\u1f72\u1f74\u1f76\u1f78\u1f7a\u1f7c\u1f80\u1f81\u1f82"
    "\u1f83\u1f84\u1f85\u1f86\u1f87\u1f88\u1f89\u1f8a\u1f8b\u1f8c\u1f8d\u1f8e\u1f8f\u1f90"
    "\u1f91\u1f92\u1f93\u1f94\u1f95\u1f96\u1f97\u1f98\u1f99\u1f9a\u1f9b\u1f9c\u1f9d\u1f9e"
    "\u1f9f\u1fa0\u1fa1\u1fa2\u1fa3\u1fa4\u1fa5\u1fa6\u1fa7\u1fa8\u1fa9\u1faa\u1fab\u1fac"
    "\u1fad\u1fae\u1faf\u1fb0\u1fb1\u1fb2\u1fb3\u1fb4\u1fb6\u1fb7\u1fb8\u1fb9\u1fba\u1fbc"
    "\u1fc2\u1fc3\u1fc4\u1fc6\u1fc7\u1fc8\u1fca\u1fcc\u1fd0\u1fd1\u1fd2\u1fd6\u1fd7\u1fd8"
    "\u1fd9\u1fda\u1fe0\u1fe1\u1fe2\u1fe4\u1fe5\u1fe6\u1fe7\u1fe8\u1fe9\u1fea\u1fec\u1ff2"
    "\u1ff3\u1ff4\u1ff6\u1ff7\u1ff8\u1ffa\u1ffc\u2010\u2011\u2012\u2013\u2014\u2015\u2018"
    "\u2019\u201a\u201b\u201c\u201d\u201f\u2024\u2032\u2033\u2039\u203a\u2044\u2045\u2046"
    "\u204e\u2102\u210a\u210b\u210c\u210d\u210e\u2110\u2111\u2112\u2113\u2115\u2118\u2119"
    "\u211a\u211b\u211c\u211d\u2124\u2128\u212c\u212d\u212f\u2130\u2131\u2133\u2134\u2139"
    "\u2145\u2146\u2147\u2148\u2149\u2160\u2164\u2169\u216c\u216d\u216e\u216f\u2170\u2174"
    "\u2179\u217c\u217d\u217e\u217f\u2212\u2215\u2216\u2223\u2c60\u2c61\u2c62\u2c63\u2c64"
    "\u2c65\u2c66\u2c67\u2c68\u2c69\u2c6a\u2c6b\u2c6c\u2c6e\u2c71\u2c72\u2c73\u2c74\u2c78"
    "\u2c7a\u2c7e\u2c7f\u3001\u3002\u3007\u3008\u3009\u3014\u3015\u3018\u3019\u301a\u301b"
    "\u301d\u301e\ua730\ua731\ua740\ua741\ua742\ua743\ua744\ua745\ua746\ua747\ua748\ua749"
    "\ua74a\ua74b\ua74c\ua74d\ua750\ua751\ua752\ua753\ua754\ua755\ua756\ua757\ua758\ua759"
    "\ua75e\ua75f\ua771\ua772\ua773\ua774\ua775\ua776\ua777\ua779\ua77a\ua77b\ua77c\ua786"
    "\ua787\ua790\ua791\ua792\ua793\ua7a0\ua7a1\ua7a2\ua7a3\ua7a4\ua7a5\ua7a6\ua7a7\ua7a8"
    "\ua7a9\ua7aa\ufe10\ufe11\ufe12\ufe13\ufe14\ufe15\ufe16\ufe31\ufe32\ufe35\ufe36\ufe37"
    "\ufe38\ufe39\ufe3a\ufe3f\ufe40\ufe47\ufe48\ufe50\ufe51\ufe52\ufe54\ufe55\ufe56\ufe57"
    "\ufe58\ufe59\ufe5a\ufe5b\ufe5c\ufe5d\ufe5e\ufe5f\ufe60\ufe61\ufe62\ufe63\ufe64\ufe65"
    "\ufe66\ufe68\ufe69\ufe6a\ufe6b\uff01\uff02\uff03\uff04\uff05\uff06\uff07\uff08\uff09"
    "\uff0a\uff0b\uff0c\uff0d\uff0e\uff0f\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17"
    "\uff18\uff19\uff1a\uff1b\uff1c\uff1d\uff1e\uff1f\uff20\uff21\uff22\uff23\uff24\uff25"
    "\uff26\uff27\uff28\uff29\uff2a\uff2b\uff2c\uff2d\uff2e\uff2f\uff30\uff31\uff32\uff33"
    "\uff34\uff35\uff36\uff37\uff38\uff39\uff3a\uff3b\uff3c\uff3d\uff3e\uff3f\uff40\uff41"
    "\uff42\uff43\uff44\uff45\uff46\uff47\uff48\uff49\uff4a\uff4b\uff4c\uff4d\uff4e\uff4f"
    "\uff50\uff51\uff52\uff53\uff54\uff55\uff56\uff57\uff58\uff59\uff5a\uff5b\uff5c\uff5d"
    "\uff5e\uff61\uff64"
)

ONE_TO = (
    "!-?AAAAAACEEEEIIIIDNOOOOO*OUUUUYaaaaaaceeeeiiiidnooooo/ouuuu"
    "yyAaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiJjKkqLlL"
    "lLlLlLlNnNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZz"
    "ZzZzsbBBbCcDDDdEFfGIIKklNnOoPptTtTUuVYyZzAaIiOoUuUuUuUuUuAaA"
    "aGgGgKkOoOojGgNnAaAaAaEeEeIiIiOoOoRrRrUuUuSsTtHhdZzAaEeOoOoO"
    "oOoYylntjACcLTszBUEeJjRrYybcddejggGhhiIlllmnnNrrrRstuvYzzBGH"
    "jLq'\u0022'''<>^^'`:+-~\u0391\u0395\u0397\u0399\u039f\u03a5\u03a9\u03b9\u0399\u03a5\u03b1\u03b5\u03b7\u03b9\u03c5\u03b9\u03c5\u03bf\u03c5\u03c9\u0415\u0435ABCDDEJKLMOPTUVWZbdf"
    "mnprrstzIpUbdfgklmnprsvxzadeeiuAaBbBbBbCcDdDdDdDdDdEeEeEeEeE"
    "eFfGgHhHhHhHhHhIiIiKkKkKkLlLlLlLlMmMmMmNnNnNnNnOoOoOoOoPpPpR"
    "rRrRrRrSsSsSsSsSsTtTtTtTtUuUuUuUuUuVvVvWwWwWwWwWwXxXxYyZzZzZ"
    "zhtwyassAaAaAaAaAaAaAaAaAaAaAaAaEeEeEeEeEeEeEeEeIiIiOoOoOoOo"
    "OoOoOoOoOoOoOoOoUuUuUuUuUuUuUuYyYyYyYyVvYy\u03b1\u03b1\u03b1\u03b1\u03b1\u03b1\u03b1\u03b1\u0391\u0391\u0391\u0391\u0391\u0391\u0391\u0391\u03b5\u03b5"
    "\u03b5\u03b5\u03b5\u03b5\u0395\u0395\u0395\u0395\u0395\u0395\u03b7\u03b7\u03b7\u03b7\u03b7\u03b7\u03b7\u03b7\u0397\u0397\u0397\u0397\u0397\u0397\u0397\u0397\u03b9\u03b9\u03b9\u03b9\u03b9\u03b9\u03b9\u03b9\u0399\u0399\u0399\u0399\u0399\u0399\u0399\u0399\u03bf\u03bf\u03bf\u03bf\u03bf\u03bf\u039f\u039f\u039f\u039f\u039f\u039f\u03c5\u03c5\u03c5\u03c5\u03c5\u03c5"
    "\u03c5\u03c5\u03a5\u03a5\u03a5\u03a5\u03c9\u03c9\u03c9\u03c9\u03c9\u03c9\u03c9\u03c9\u03a9\u03a9\u03a9\u03a9\u03a9\u03a9\u03a9\u03a9\u03b1\u03b5\u03b7\u03b9\u03bf\u03c5\u03c9\u03b1\u03b1\u03b1\u03b1\u03b1\u03b1\u03b1\u03b1\u0391\u0391\u0391\u0391\u0391\u0391\u0391\u0391\u03b7\u03b7\u03b7\u03b7\u03b7\u03b7\u03b7\u03b7\u0397\u0397\u0397\u0397\u0397\u0397\u0397"
    "\u0397\u03c9\u03c9\u03c9\u03c9\u03c9\u03c9\u03c9\u03c9\u03a9\u03a9\u03a9\u03a9\u03a9\u03a9\u03a9\u03a9\u03b1\u03b1\u03b1\u03b1\u03b1\u03b1\u03b1\u0391\u0391\u0391\u0391\u03b7\u03b7\u03b7\u03b7\u03b7\u0395\u0397\u0397\u03b9\u03b9\u03b9\u03b9\u03b9\u0399\u0399\u0399\u03c5\u03c5\u03c5\u03c1\u03c1\u03c5\u03c5\u03a5\u03a5\u03a5\u03a1\u03c9\u03c9\u03c9\u03c9\u03c9"
    "\u039f\u03a9\u03a9------'','\u0022\u0022\u0022.'\u0022<>/[]*CgHxHhIILlNPPQRRRZZBCeEFMoiDdeijIVX"
    "LCDMivxlcdm-/\u005c|LlLPRatHhKkZzMvWwveoSZ,.0<>[][][]\u0022\u0022FSKkKkKkLl"
    "LlOoOoPpPpPpQqQqVvdlmnrRtDdFfTtNnCcGgKkNnRrSsH,,.:;!?--(){}["
    "]<>[],,.;:?!-(){}[]#&*+-<>=\u005c$%@!\u0022#$%&'()*+,-./0123456789:;<="
    ">?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\u005c]^_`abcdefghijklmnopqrstuvwxy"
    "z{|}~.,"
)

DROP = (
    "\u0300\u0301\u0302\u0303\u0304\u0305\u0306\u0307\u0308\u0309\u030a\u030b\u030c\u030d"
    "\u030e\u030f\u0310\u0311\u0312\u0313\u0314\u0315\u0316\u0317\u0318\u0319\u031a\u031b"
    "\u031c\u031d\u031e\u031f\u0320\u0321\u0322\u0323\u0324\u0325\u0326\u0327\u0328\u0329"
    "\u032a\u032b\u032c\u032d\u032e\u032f\u0330\u0331\u0332\u0333\u0334\u0335\u0336\u0337"
    "\u0338\u0339\u033a\u033b\u033c\u033d\u033e\u033f\u0340\u0341\u0342\u0343\u0344\u0345"
    "\u0346\u0347\u0348\u0349\u034a\u034b\u034c\u034d\u034e\u034f\u0350\u0351\u0352\u0353"
    "\u0354\u0355\u0356\u0357\u0358\u0359\u035a\u035b\u035c\u035d\u035e\u035f\u0360\u0361"
    "\u0362\u20dd\u20de\u20df\u20e0\u20e2\u20e3\u20e4"
)

MANY = (
    ("\u00a9", "(C)"), ("\u00ab", "<<"), ("\u00ae", "(R)"), ("\u00b1", "+/-"), ("\u00bb", ">>"),
    ("\u00bc", " 1/4"), ("\u00bd", " 1/2"), ("\u00be", " 3/4"), ("\u00c6", "AE"), ("\u00de", "TH"),
    ("\u00df", "ss"), ("\u00e6", "ae"), ("\u00fe", "th"), ("\u0132", "IJ"), ("\u0133", "ij"),
    ("\u0149", "'n"), ("\u0152", "OE"), ("\u0153", "oe"), ("\u0195", "hv"), ("\u01a2", "OI"),
    ("\u01a3", "oi"), ("\u01c4", "DZ"), ("\u01c5", "Dz"), ("\u01c6", "dz"), ("\u01c7", "LJ"),
    ("\u01c8", "Lj"), ("\u01c9", "lj"), ("\u01ca", "NJ"), ("\u01cb", "Nj"), ("\u01cc", "nj"),
    ("\u01f1", "DZ"), ("\u01f2", "Dz"), ("\u01f3", "dz"), ("\u0238", "db"), ("\u0239", "qp"),
    ("\u0276", "OE"), ("\u02a3", "dz"), ("\u02a5", "dz"), ("\u02a6", "ts"), ("\u02aa", "ls"),
    ("\u02ab", "lz"), ("\u1d01", "AE"), ("\u1d6b", "ue"), ("\u1d7a", "th"), ("\u1e9e", "SS"),
    ("\u1efa", "LL"), ("\u1efb", "ll"), ("\u2016", "||"), ("\u201e", ",,"), ("\u2025", ".."),
    ("\u2026", "..."), ("\u203c", "!!"), ("\u2047", "??"), ("\u2048", "?!"), ("\u2049", "!?"),
    ("\u20a0", "CE"), ("\u20a2", "Cr"), ("\u20a3", "Fr."), ("\u20a4", "L."), ("\u20a7", "Pts"),
    ("\u20b9", "Rs"), ("\u20ba", "TL"), ("\u2100", "a/c"), ("\u2101", "a/s"), ("\u2103", "\u00b0C"),
    ("\u2105", "c/o"), ("\u2106", "c/u"), ("\u2109", "\u00b0F"), ("\u2116", "No"), ("\u2117", "(P)"),
    ("\u211e", "Rx"), ("\u2121", "TEL"), ("\u213b", "FAX"), ("\u2150", " 1/7"), ("\u2151", " 1/9"),
    ("\u2152", " 1/10"), ("\u2153", " 1/3"), ("\u2154", " 2/3"), ("\u2155", " 1/5"),
    ("\u2156", " 2/5"), ("\u2157", " 3/5"), ("\u2158", " 4/5"), ("\u2159", " 1/6"), ("\u215a", " 5/6"),
    ("\u215b", " 1/8"), ("\u215c", " 3/8"), ("\u215d", " 5/8"), ("\u215e", " 7/8"), ("\u215f", " 1/"),
    ("\u2161", "II"), ("\u2162", "III"), ("\u2163", "IV"), ("\u2165", "VI"), ("\u2166", "VII"),
    ("\u2167", "VIII"), ("\u2168", "IX"), ("\u216a", "XI"), ("\u216b", "XII"), ("\u2171", "ii"),
    ("\u2172", "iii"), ("\u2173", "iv"), ("\u2175", "vi"), ("\u2176", "vii"), ("\u2177", "viii"),
    ("\u2178", "ix"), ("\u217a", "xi"), ("\u217b", "xii"), ("\u2189", " 0/3"), ("\u2225", "||"),
    ("\u226a", "<<"), ("\u226b", ">>"), ("\u2474", "(1)"), ("\u2475", "(2)"), ("\u2476", "(3)"),
    ("\u2477", "(4)"), ("\u2478", "(5)"), ("\u2479", "(6)"), ("\u247a", "(7)"), ("\u247b", "(8)"),
    ("\u247c", "(9)"), ("\u247d", "(10)"), ("\u247e", "(11)"), ("\u247f", "(12)"), ("\u2480", "(13)"),
    ("\u2481", "(14)"), ("\u2482", "(15)"), ("\u2483", "(16)"), ("\u2484", "(17)"), ("\u2485", "(18)"),
    ("\u2486", "(19)"), ("\u2487", "(20)"), ("\u2488", "1."), ("\u2489", "2."), ("\u248a", "3."),
    ("\u248b", "4."), ("\u248c", "5."), ("\u248d", "6."), ("\u248e", "7."), ("\u248f", "8."),
    ("\u2490", "9."), ("\u2491", "10."), ("\u2492", "11."), ("\u2493", "12."), ("\u2494", "13."),
    ("\u2495", "14."), ("\u2496", "15."), ("\u2497", "16."), ("\u2498", "17."), ("\u2499", "18."),
    ("\u249a", "19."), ("\u249b", "20."), ("\u249c", "(a)"), ("\u249d", "(b)"), ("\u249e", "(c)"),
    ("\u249f", "(d)"), ("\u24a0", "(e)"), ("\u24a1", "(f)"), ("\u24a2", "(g)"), ("\u24a3", "(h)"),
    ("\u24a4", "(i)"), ("\u24a5", "(j)"), ("\u24a6", "(k)"), ("\u24a7", "(l)"), ("\u24a8", "(m)"),
    ("\u24a9", "(n)"), ("\u24aa", "(o)"), ("\u24ab", "(p)"), ("\u24ac", "(q)"), ("\u24ad", "(r)"),
    ("\u24ae", "(s)"), ("\u24af", "(t)"), ("\u24b0", "(u)"), ("\u24b1", "(v)"), ("\u24b2", "(w)"),
    ("\u24b3", "(x)"), ("\u24b4", "(y)"), ("\u24b5", "(z)"), ("\u2985", "(("), ("\u2986", "))"),
    ("\u2a74", "::="), ("\u2a75", "=="), ("\u2a76", "==="), ("\u300a", "<<"), ("\u300b", ">>"),
    ("\u3371", "hPa"), ("\u3372", "da"), ("\u3373", "AU"), ("\u3374", "bar"), ("\u3375", "oV"),
    ("\u3376", "pc"), ("\u3377", "dm"), ("\u337a", "IU"), ("\u3380", "pA"), ("\u3381", "nA"),
    ("\u3383", "mA"), ("\u3384", "kA"), ("\u3385", "KB"), ("\u3386", "MB"), ("\u3387", "GB"),
    ("\u3388", "cal"), ("\u3389", "kcal"), ("\u338a", "pF"), ("\u338b", "nF"), ("\u338e", "mg"),
    ("\u338f", "kg"), ("\u3390", "Hz"), ("\u3391", "kHz"), ("\u3392", "MHz"), ("\u3393", "GHz"),
    ("\u3394", "THz"), ("\u3399", "fm"), ("\u339a", "nm"), ("\u339c", "mm"), ("\u339d", "cm"),
    ("\u339e", "km"), ("\u33a7", "m/s"), ("\u33a9", "Pa"), ("\u33aa", "kPa"), ("\u33ab", "MPa"),
    ("\u33ac", "GPa"), ("\u33ad", "rad"), ("\u33ae", "rad/s"), ("\u33b0", "ps"), ("\u33b1", "ns"),
    ("\u33b3", "ms"), ("\u33b4", "pV"), ("\u33b5", "nV"), ("\u33b7", "mV"), ("\u33b8", "kV"),
    ("\u33b9", "MV"), ("\u33ba", "pW"), ("\u33bb", "nW"), ("\u33bd", "mW"), ("\u33be", "kW"),
    ("\u33bf", "MW"), ("\u33c2", "a.m."), ("\u33c3", "Bq"), ("\u33c4", "cc"), ("\u33c5", "cd"),
    ("\u33c6", "C/kg"), ("\u33c7", "Co."), ("\u33c8", "dB"), ("\u33c9", "Gy"), ("\u33ca", "ha"),
    ("\u33cb", "HP"), ("\u33cc", "in"), ("\u33cd", "KK"), ("\u33ce", "KM"), ("\u33cf", "kt"),
    ("\u33d0", "lm"), ("\u33d1", "ln"), ("\u33d2", "log"), ("\u33d3", "lx"), ("\u33d4", "mb"),
    ("\u33d5", "mil"), ("\u33d6", "mol"), ("\u33d7", "pH"), ("\u33d8", "p.m."), ("\u33d9", "PPM"),
    ("\u33da", "PR"), ("\u33db", "sr"), ("\u33dc", "Sv"), ("\u33dd", "Wb"), ("\u33de", "V/m"),
    ("\u33df", "A/m"), ("\ua732", "AA"), ("\ua733", "aa"), ("\ua734", "AO"), ("\ua735", "ao"),
    ("\ua736", "AU"), ("\ua737", "au"), ("\ua738", "AV"), ("\ua739", "av"), ("\ua73a", "AV"),
    ("\ua73b", "av"), ("\ua73c", "AY"), ("\ua73d", "ay"), ("\ua74e", "OO"), ("\ua74f", "oo"),
    ("\ua760", "VY"), ("\ua761", "vy"), ("\ua764", "TH"), ("\ua765", "th"), ("\ua766", "TH"),
    ("\ua767", "th"), ("\ufb00", "ff"), ("\ufb01", "fi"), ("\ufb02", "fl"), ("\ufb03", "ffi"),
    ("\ufb04", "ffl"), ("\ufb05", "st"), ("\ufb06", "st"), ("\ufe19", "..."), ("\ufe30", ".."),
    ("\ufe3d", "<<"), ("\ufe3e", ">>"), ("\uff5f", "(("), ("\uff60", "))"), ("\uffe9", "<-"),
    ("\uffeb", "->"), ("\U0001f100", "0."), ("\U0001f101", "0,"), ("\U0001f102", "1,"),
    ("\U0001f103", "2,"), ("\U0001f104", "3,"), ("\U0001f105", "4,"), ("\U0001f106", "5,"),
    ("\U0001f107", "6,"), ("\U0001f108", "7,"), ("\U0001f109", "8,"), ("\U0001f10a", "9,"),
    ("\U0001f110", "(A)"), ("\U0001f111", "(B)"), ("\U0001f112", "(C)"), ("\U0001f113", "(D)"),
    ("\U0001f114", "(E)"), ("\U0001f115", "(F)"), ("\U0001f116", "(G)"), ("\U0001f117", "(H)"),
    ("\U0001f118", "(I)"), ("\U0001f119", "(J)"), ("\U0001f11a", "(K)"), ("\U0001f11b", "(L)"),
    ("\U0001f11c", "(M)"), ("\U0001f11d", "(N)"), ("\U0001f11e", "(O)"), ("\U0001f11f", "(P)"),
    ("\U0001f120", "(Q)"), ("\U0001f121", "(R)"), ("\U0001f122", "(S)"), ("\U0001f123", "(T)"),
    ("\U0001f124", "(U)"), ("\U0001f125", "(V)"), ("\U0001f126", "(W)"), ("\U0001f127", "(X)"),
    ("\U0001f128", "(Y)"), ("\U0001f129", "(Z)"),
)
