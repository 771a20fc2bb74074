"""Monitoring and advocacy: figures from sources (deportations per crossing, published
stocks), testimonies taken with consent, campaigns and the work done for them."""
