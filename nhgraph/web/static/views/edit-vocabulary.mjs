// The closed vocabularies the edits take, as [notation, label] pairs: the API accepts a
// notation (GraphQL's enums, Tier and Channel, spell it in capitals) and refuses any other with
// its own words. A copy of nhgraph/schema/vocabulary.py, which tests/web/test_edit.py holds it
// to: the API has no field listing them.

export const TIERS = [
  ["hyper_local", "Hyper-local functions"],
  ["consistent", "Consistent functions"],
  ["tailored", "Tailored functions"],
  ["aligned", "Aligned specialist functions"],
];

export const SPECIALTIES = [
  ["gp", "General practitioner"],
  ["district_nurse", "District nurse"],
  ["social_worker", "Social worker"],
  ["care_coordinator", "Care coordinator"],
  ["social_prescribing_link_worker", "Social prescribing link worker"],
  ["pharmacist", "Pharmacist"],
  ["health_visitor", "Health visitor"],
  ["consultant_geriatrician", "Consultant geriatrician"],
  ["consultant_diabetologist", "Consultant diabetologist"],
  ["consultant_paediatrician", "Consultant paediatrician"],
  ["consultant_psychiatrist", "Consultant psychiatrist"],
  ["consultant_respiratory", "Consultant respiratory physician"],
  ["consultant_cardiologist", "Consultant cardiologist"],
  ["consultant_palliative", "Consultant in palliative medicine"],
];

export const FUNCTIONS = [
  ["general_practice", "General practice"],
  ["community_pharmacy", "Community pharmacy"],
  ["district_nursing", "District nursing"],
  ["health_visiting", "Health visiting"],
  ["social_prescribing", "Social prescribing"],
  ["care_coordination", "Care coordination"],
  ["community_mental_health", "Community mental health"],
  ["adult_social_care", "Adult social care"],
  ["childrens_social_care", "Children's social care"],
  ["frailty", "Frailty"],
  ["diabetes", "Diabetes"],
  ["palliative_care", "Palliative care"],
  ["public_health", "Public health"],
  ["housing_support", "Housing support"],
  ["employment_support", "Employment support"],
  ["domiciliary_care", "Domiciliary care"],
  ["residential_care", "Residential care"],
  ["community_support", "Community support"],
  ["urgent_care_gateway", "24/7 gateway"],
  ["integration_hub", "Integration hub"],
  ["specialist_advice", "Specialist advice"],
];

export const COHORTS = [
  ["babies_children_young_people", "Babies, children and young people"],
  ["families", "Families"],
  ["working_age_adults", "Working age adults"],
  ["older_people", "Older people"],
  ["frailty", "Frailty"],
  ["multiple_long_term_conditions", "Multiple long-term conditions"],
  ["severe_mental_illness", "Severe mental illness"],
  ["end_of_life", "End of life"],
  ["underserved", "Underserved communities"],
];

export const CHANNELS = [
  ["phone", "Phone"],
  ["online", "Online"],
  ["in_person", "In person"],
  ["home_visit", "Home visit"],
  ["video", "Video"],
];
