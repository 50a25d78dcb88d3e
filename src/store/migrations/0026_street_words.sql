-- Schema 26: the keys of addresses are worked out anew (`upgrade::to_26`):
-- a German or Dutch street named in one word is its name and the street's
-- word (`Königstraße 5, Stuttgart`, `Königstr. 5` and `König Str. 5` are
-- one address, as are `Kerkstraat 10` and `Kerkstr. 10`; they connected
-- nothing). No table changes; the index, search rows and listed values
-- are rebuilt.
SELECT 1;
