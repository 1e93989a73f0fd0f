"""Fake but realistic French surnames and first names (common names, no real person meant).

Surnames are listed roughly by frequency (INSEE order of the most frequent French surnames);
first names are split by sex and by birth cohort (born before 1975 / from 1975 on) so that an
agent born in 1962 is more likely a "Nathalie" and one born in 1995 a "Manon".
"""

from __future__ import annotations

SURNAMES = (
    "Martin", "Bernard", "Thomas", "Petit", "Robert", "Richard", "Durand", "Dubois", "Moreau",
    "Laurent", "Simon", "Michel", "Lefèvre", "Leroy", "Roux", "David", "Bertrand", "Morel",
    "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent",
    "Muller", "Faure", "André", "Mercier", "Blanc", "Guérin", "Boyer", "Garnier", "Chevalier",
    "François", "Legrand", "Gauthier", "Garcia", "Perrin", "Robin", "Clément", "Morin",
    "Nicolas", "Henry", "Roussel", "Mathieu", "Gautier", "Masson", "Marchand", "Duval", "Denis",
    "Dumont", "Marie", "Lemaire", "Noël", "Meyer", "Dufour", "Meunier", "Brun", "Blanchard",
    "Giraud", "Joly", "Rivière", "Lucas", "Brunet", "Gaillard", "Barbier", "Arnaud", "Martinez",
    "Gérard", "Roche", "Renard", "Schmitt", "Roy", "Leroux", "Colin", "Vidal", "Caron", "Picard",
    "Roger", "Fabre", "Aubert", "Lemoine", "Renaud", "Dumas", "Lacroix", "Olivier", "Philippe",
    "Bourgeois", "Pierre", "Benoît", "Rey", "Leclerc", "Payet", "Rolland", "Leclercq",
    "Guillaume", "Lecomte", "Lopez", "Jean", "Dupuy", "Guillot", "Hubert", "Berger",
    "Carpentier", "Sanchez", "Dupuis", "Moulin", "Louis", "Deschamps", "Huet", "Vasseur",
    "Perez", "Boucher", "Fleury", "Royer", "Klein", "Jacquet", "Adam", "Paris", "Poirier",
    "Marty", "Aubry", "Guyot", "Carré", "Charles", "Renault", "Charpentier", "Ménard",
    "Maillard", "Baron", "Bertin", "Bailly", "Hervé", "Schneider", "Fernandez", "Le Gall",
    "Collet", "Léger", "Bouvier", "Julien", "Prévost", "Millet", "Perrot", "Daniel", "Le Roux",
    "Cousin", "Germain", "Breton", "Besson", "Langlois", "Rémy", "Le Goff", "Pelletier",
    "Lévêque", "Perrier", "Leblanc", "Barré", "Lebrun", "Marchal", "Weber", "Mallet", "Hamon",
    "Boulanger", "Jacob", "Monnier", "Michaud", "Rodriguez", "Guichard", "Gillet", "Étienne",
    "Grondin", "Poulain", "Tessier", "Chevallier", "Collin", "Chauvin", "Da Silva", "Bouchet",
    "Gay", "Lemaître", "Bénard", "Maréchal", "Humbert", "Reynaud", "Antoine", "Hoarau",
    "Perret", "Barthélemy", "Cordier", "Pichon", "Lejeune", "Gilbert", "Lamy", "Delaunay",
    "Pasquier", "Carlier", "Laporte", "Teyssier", "Bouquet", "Chabert", "Pagès", "Rouvière",
    "Malige", "Boulet", "Astruc", "Fabrègue", "Valentin", "D'Almeida", "N'Diaye", "Traoré",
)

FIRST_NAMES_F_OLD = (
    "Marie", "Nathalie", "Isabelle", "Sylvie", "Catherine", "Christine", "Martine", "Françoise",
    "Valérie", "Sandrine", "Véronique", "Nadine", "Patricia", "Corinne", "Laurence", "Brigitte",
    "Chantal", "Monique", "Dominique", "Annie", "Muriel", "Béatrice", "Pascale", "Fabienne",
    "Anne", "Hélène", "Agnès", "Florence", "Évelyne", "Josiane", "Danielle", "Joëlle",
    "Marie-Christine", "Marie-Hélène", "Claudine", "Colette", "Odile", "Geneviève", "Régine",
    "Maryse", "Karine", "Christelle", "Stéphanie", "Frédérique", "Mireille", "Ghislaine",
)
FIRST_NAMES_F_YOUNG = (
    "Céline", "Sophie", "Stéphanie", "Aurélie", "Émilie", "Julie", "Caroline", "Séverine",
    "Delphine", "Élodie", "Laetitia", "Audrey", "Mélanie", "Sarah", "Camille", "Laura",
    "Pauline", "Marion", "Virginie", "Magali", "Vanessa", "Jessica", "Amandine", "Anaïs",
    "Manon", "Chloé", "Léa", "Émeline", "Marine", "Justine", "Mathilde", "Claire", "Cécile",
    "Gaëlle", "Noémie", "Océane", "Inès", "Lucie", "Juliette", "Solène", "Charlotte", "Clémence",
    "Morgane", "Estelle", "Coralie", "Alexandra", "Marie", "Hélène", "Karine", "Christelle",
)
FIRST_NAMES_M_OLD = (
    "Jean", "Philippe", "Michel", "Alain", "Patrick", "Christian", "Éric", "Pascal", "Daniel",
    "Thierry", "Bernard", "Gérard", "Didier", "Dominique", "François", "Bruno", "Jacques",
    "Marc", "Serge", "André", "Joël", "Gilles", "Denis", "Yves", "Hervé", "Jean-Pierre",
    "Jean-Luc", "Jean-François", "Jean-Marc", "Jean-Claude", "Francis", "Claude", "Roland",
    "René", "Guy", "Lionel", "Laurent", "Frédéric", "Olivier", "Christophe", "Pierre", "Régis",
    "Stéphane", "Franck", "Emmanuel", "Yannick", "Noël", "Rémy",
)
FIRST_NAMES_M_YOUNG = (
    "Nicolas", "Christophe", "Sébastien", "Julien", "David", "Stéphane", "Frédéric", "Laurent",
    "Olivier", "Thomas", "Alexandre", "Vincent", "Guillaume", "Jérôme", "Cédric", "Anthony",
    "Romain", "Mickaël", "Maxime", "Jérémy", "Kévin", "Florian", "Damien", "Ludovic", "Benoît",
    "Arnaud", "Grégory", "Mathieu", "Antoine", "Lucas", "Hugo", "Quentin", "Clément", "Théo",
    "Loïc", "Rémi", "Sylvain", "Cyril", "Fabien", "Franck", "Fabrice", "Yannick", "Pierre",
    "Adrien", "Baptiste", "Valentin", "Alexis", "Bastien", "Jonathan", "Aurélien", "Gaëtan",
)


def zipf_weights(n: int, exponent: float = 0.8) -> list[float]:
    """Decreasing weights 1/rank**exponent, normalised: the first names of a list are commoner."""
    raw = [1.0 / (rank**exponent) for rank in range(1, n + 1)]
    total = sum(raw)
    return [w / total for w in raw]
