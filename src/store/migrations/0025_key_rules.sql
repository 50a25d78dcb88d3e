-- Schema 25: the keys of names and addresses are worked out anew
-- (`upgrade::to_25`): an apostrophe inside a word is part of it (Uzbek
-- Latin `O'tkir` meets `Ўткир`), a street's word written after its name
-- goes first (`Абая көшесі 5`, `Abaya street 5` meet `ул. Абая 5`), and an
-- address of two names or fewer and no number (a town alone) is no
-- identifier, and an address's sound keeps its numbers in order. No table
-- changes; the index, search rows and listed values are rebuilt.
SELECT 1;
