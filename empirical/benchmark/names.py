"""An offline, licence-clean name source for the mock company.

Written by hand for sensaware: common given names and surnames from many countries and languages
(individual names are facts, not copyrightable material). Pairs are drawn independently of each other
and of the Adult record's gender, race and native country, as in ACCESS DENIED INC. ASCII only.
Duplicate full names are possible on purpose: employees are identified by id.
"""

FIRST_NAMES: tuple[str, ...] = tuple("""
Aaliyah Abdul Ada Adebayo Aditi Adrian Agnes Ahmed Aiko Aisha Alejandro Aleksandra Ali Alice Amara Amina Ana Anders
Andrea Andrei Anil Anna Antonio Arjun Astrid Ayesha Beatriz Bilal Bjorn Bogdan Camila Carlos Carmen Chen Chiara Chidi
Chloe Daniel Daria Darius David Deepa Diego Dmitri Elena Elif Emeka Emil Emma Enrique Esra Ethan Eva Fatima Felipe
Fernando Fiona Gabriel Giulia Grace Hana Hannah Hassan Helga Hiroshi Hugo Ibrahim Ines Ingrid Isabel Ivan Jamal Javier
Jia Joao Jonas Jose Juan Julia Kai Kamala Karim Katarzyna Kenji Kofi Lara Laszlo Leila Lena Leon Liam Lin Lucas Luis
Lukas Maya Mehmet Mei Mia Miguel Mina Mohammed Nadia Naledi Nikhil Nina Noah Nour Olga Omar Oscar Pablo Pavel Priya Rafael
Rahul Rania Ravi Rosa Sakura Samuel Sara Sergio Shreya Sofia Soren Sunil Tariq Tomas Uma Valentina Victor Wei Xavier
Yara Yusuf Zainab Zara Zoltan
""".split())

LAST_NAMES: tuple[str, ...] = tuple("""
Abara Acosta Adeyemi Aguilar Ahmadi Alvarez Andersen Araujo Bakker Banerjee Barros Becker Bianchi Bondarenko Brandt
Castillo Chatterjee Chaudhry Chen Costa Cruz Dang Delgado Diallo Dimitrov Dubois Eriksson Esposito Farouk Fernandes
Fischer Fonseca Garcia Ghosh Gomez Gonzalez Gruber Gupta Haddad Hansen Hashemi Herrera Hoang Horvath Huang Ibrahim
Ivanova Jansen Jimenez Johansson Kapoor Kaya Khan Kim Kowalski Kumar Larsen Lefebvre Lim Lindqvist Lopez Mahmoud Martin
Medina Mendes Mensah Moreau Morales Moreno Murphy Nakamura Navarro Nguyen Nielsen Novak Nowak Obi Okafor Oliveira Ortiz
Osei Ozturk Park Patel Pereira Petrov Popescu Quispe Rahman Ramirez Rao Reyes Rossi Russo Saito Salazar Santos Sato
Schmidt Schneider Sharma Silva Singh Sokolov Suarez Suzuki Tanaka Torres Tran Vargas Varga Vasquez Virtanen Wagner
Wang Weber Wojcik Yamamoto Yilmaz Young Zhang Zhou Zielinski
""".split())
