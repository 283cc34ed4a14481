"""Business domains: what a column means (``person.first_name``, ``money.amount``), from one versioned catalog."""
